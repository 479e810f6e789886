import { createHash } from 'node:crypto';
import type { AlarmStateValue } from '../core/alarm-state.js';
import type { AlarmEventState, AlarmStateChangeEvent } from '../ports/alarm-events.js';
import { alarmEventTimestamp } from '../ports/alarm-events.js';
import { isoAt } from '../ports/clock.js';
import { type Log, silentLog } from '../ports/log.js';
import type { AlarmChange, MetricAlarmEvaluation } from './fleet/alarms.js';
import type { FleetSimulator } from './fleet/simulator.js';
import { MINUTE_MS } from './fleet/types.js';
import type { VirtualTime } from './virtual-time.js';

/*
 * The simulated fleet's alarm state changes as CloudWatch sends them to EventBridge ("CloudWatch
 * Alarm State Change", see src/ports/alarm-events.ts), and a publisher that puts them on the
 * embedded event bus as they happen. CloudWatch evaluates alarms whether or not anyone reads
 * them; the simulated fleet is lazy, so the publisher ticks once a virtual minute to make it
 * catch up, and the event of a change goes out at the minute it happens.
 */

/** Whether alarm events reach the bus ('delivered') or vanish ('lost', to exercise the safety poll). */
export type AlarmEventDelivery = 'delivered' | 'lost';

const NAMESPACE = 'AWS/Lambda';

/**
 * A stable event id for a change: the same alarm, account, region, instant and new state give the
 * same id, so two runs of one scenario publish identical events. Shaped like EventBridge's ids.
 *
 * @example alarmEventId(change) // 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92'-like
 */
export function alarmEventId(
  change: Pick<AlarmChange, 'account' | 'region' | 'name' | 'atMs' | 'to'>,
): string {
  const hex = createHash('sha256')
    .update([change.account, change.region, change.name, String(change.atMs), change.to].join('\u0000'))
    .digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
    '-',
  );
}

/** The ARN CloudWatch gives an alarm. */
export function alarmArn(account: string, region: string, name: string): string {
  return `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;
}

/**
 * The EventBridge event CloudWatch sends for one alarm state change, in AWS's exact shape: the
 * alarm's ARN in `resources`, `detail.state` / `detail.previousState` with value, reason,
 * `reasonData` (metric alarms: the datapoints evaluated) and a CloudWatch timestamp, and
 * `detail.configuration` (metric alarms: description and metric queries; composites: the rule).
 *
 * @example
 * bus.put(toAlarmStateChangeEvent(change)); // id derived from the change (alarmEventId)
 */
export function toAlarmStateChangeEvent(
  change: AlarmChange,
  options: { readonly id?: string } = {},
): AlarmStateChangeEvent {
  return {
    version: '0',
    id: options.id ?? alarmEventId(change),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: change.account,
    // EventBridge's event time has whole seconds: 2019-10-02T17:04:40Z.
    time: isoAt(change.atMs).replace(/\.\d{3}Z$/, 'Z'),
    region: change.region,
    resources: [alarmArn(change.account, change.region, change.name)],
    detail: {
      alarmName: change.name,
      state: stateBlock(change.to, change.reason, change.atMs, change.evaluation),
      previousState: stateBlock(
        change.from,
        change.previousReason,
        change.previousAtMs,
        change.previousEvaluation,
      ),
      configuration: configurationOf(change),
    },
  };
}

function stateBlock(
  value: AlarmStateValue,
  reason: string,
  atMs: number,
  evaluation: MetricAlarmEvaluation | undefined,
): AlarmEventState {
  const timestamp = alarmEventTimestamp(atMs);
  return evaluation
    ? { value, reason, reasonData: reasonData(evaluation), timestamp }
    : { value, reason, timestamp };
}

/** CloudWatch's reasonData: the evaluated window and its datapoints, as JSON text. */
function reasonData(e: MetricAlarmEvaluation): string {
  const { definition } = e;
  const periodMs = definition.period * 1000;
  const present = e.values
    .map((value, i) => ({ value, startMs: e.startMs + i * periodMs }))
    .filter((d): d is { value: number; startMs: number } => d.value !== null);
  return JSON.stringify({
    version: '1.0',
    queryDate: alarmEventTimestamp(e.atMs),
    startDate: alarmEventTimestamp(e.startMs),
    ...(definition.metric === 'ErrorRate' ? {} : { statistic: definition.stat }),
    period: definition.period,
    recentDatapoints: present.map((d) => d.value),
    threshold: definition.threshold,
    // Most recent first, as CloudWatch lists them.
    evaluatedDatapoints: [...present]
      .reverse()
      .map((d) => ({ timestamp: alarmEventTimestamp(d.startMs), value: d.value })),
  });
}

function configurationOf(change: AlarmChange): Readonly<Record<string, unknown>> {
  if (change.kind === 'composite') return { alarmRule: change.alarmRule ?? '' };
  const evaluation = change.evaluation ?? change.previousEvaluation;
  if (!evaluation) return { description: 'Held in ALARM by the scenario (an alarm blocker)' };
  return { description: describe(evaluation), metrics: metricQueries(evaluation) };
}

const COMPARISON_SYMBOL: Readonly<Record<string, string>> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

function describe({ definition: d }: MetricAlarmEvaluation): string {
  const stat = d.metric === 'ErrorRate' ? '' : ` ${d.stat}`;
  return (
    `Simulated: ${d.metric}${stat} ${COMPARISON_SYMBOL[d.comparison]} ${d.threshold} for ` +
    `${d.datapointsToAlarm} of ${d.evaluationPeriods} periods of ${d.period} s (${d.scope} scope)`
  );
}

/** The alarm's metric queries as DescribeAlarms' `Metrics` (and the event) show them. */
function metricQueries({ definition: d, sources }: MetricAlarmEvaluation): Record<string, unknown>[] {
  const query = (id: string, name: string, stat: string, source: (typeof sources)[number]) => ({
    id,
    metricStat: {
      metric: {
        dimensions: {
          FunctionName: source.functionName,
          Resource: `${source.functionName}:${source.alias}`,
          ...(source.executedVersion === undefined ? {} : { ExecutedVersion: source.executedVersion }),
        },
        name,
        namespace: NAMESPACE,
      },
      period: d.period,
      stat,
    },
    returnData: false,
  });
  if (d.metric === 'ErrorRate') {
    const errors = sources.map((s, i) => query(`errors${i + 1}`, 'Errors', 'Sum', s));
    const invocations = sources.map((s, i) => query(`invocations${i + 1}`, 'Invocations', 'Sum', s));
    const sum = (qs: { id: string }[]) =>
      qs.length === 1 ? qs[0]?.id : `(${qs.map((q) => q.id).join(' + ')})`;
    return [
      ...errors,
      ...invocations,
      {
        id: 'errorRate',
        expression: `100 * ${sum(errors)} / ${sum(invocations)}`,
        label: 'ErrorRate',
        returnData: true,
      },
    ];
  }
  const queries = sources.map((s, i) => query(`m${i + 1}`, d.metric, d.stat, s));
  if (queries.length === 1) return [{ ...queries[0], returnData: true }];
  const fn = d.stat === 'Average' ? 'AVG' : d.stat === 'Maximum' || d.stat === 'p99' ? 'MAX' : 'SUM';
  return [
    ...queries,
    {
      id: 'total',
      expression: `${fn}([${queries.map((q) => q.id).join(', ')}])`,
      label: d.metric,
      returnData: true,
    },
  ];
}

// --- publishing -------------------------------------------------------------------------------

/** How to start {@link publishAlarmEvents}. */
export interface AlarmEventPublisherOptions {
  /** The virtual clock; the ticker is a fake-timer timeout on it. */
  readonly time: VirtualTime;
  /** The simulated fleet whose alarm changes are published. */
  readonly fleet: Pick<FleetSimulator, 'settle' | 'onAlarmChange'>;
  /** Where the events go (a LocalEventBus). */
  readonly bus: { put(event: AlarmStateChangeEvent): unknown };
  /** @default 'delivered' */
  readonly delivery?: AlarmEventDelivery;
  /** Virtual ms after each minute boundary the ticker runs (after the minute's metrics exist). @default 5 */
  readonly tickOffsetMs?: number;
  /** Where a failed tick is reported. @default silent */
  readonly log?: Log;
}

/** What the publisher has done so far. */
export interface AlarmEventCounts {
  /** Alarm state changes seen. */
  readonly changes: number;
  /** Events put on the bus. */
  readonly published: number;
  /** Changes whose event was lost on purpose (`delivery: 'lost'`). */
  readonly lost: number;
  /** Minute ticks run. */
  readonly ticks: number;
}

/** A running publisher. */
export interface AlarmEventPublisher {
  /** Cancels the ticker and stops listening; idempotent. */
  stop(): void;
  /** Counts so far (a snapshot). */
  readonly counts: AlarmEventCounts;
}

/**
 * Publishes every alarm state change of the fleet (evaluated and scripted alarms) to the bus as
 * a CloudWatch event, and ticks once a virtual minute — a few ms after each minute boundary —
 * so the fleet finds changes at the minute they happen even when nothing reads alarms. With
 * `delivery: 'lost'` changes are counted and nothing is published: the workflow then has only its
 * safety poll to notice them. Changes found by other reads (a workflow step's DescribeAlarms) are
 * published too, at once. A scripted alarm change between boundaries goes out at the next tick
 * (with its own time in the event).
 *
 * @example
 * const publisher = publishAlarmEvents({ time, fleet, bus, delivery: scenario.alarmEvents });
 * // ... on close:
 * publisher.stop();
 */
export function publishAlarmEvents(options: AlarmEventPublisherOptions): AlarmEventPublisher {
  const { time, fleet, bus } = options;
  const delivery = options.delivery ?? 'delivered';
  const offsetMs = options.tickOffsetMs ?? 5;
  if (!Number.isInteger(offsetMs) || offsetMs < 0 || offsetMs >= MINUTE_MS) {
    throw new Error(`publishAlarmEvents: tickOffsetMs expected an integer in [0, 60000), got ${offsetMs}`);
  }
  const log = options.log ?? silentLog;
  const counts = { changes: 0, published: 0, lost: 0, ticks: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const unsubscribe = fleet.onAlarmChange((change) => {
    if (stopped) return;
    counts.changes++;
    if (delivery === 'lost') {
      counts.lost++;
      return;
    }
    bus.put(toAlarmStateChangeEvent(change));
    counts.published++;
  });

  const tick = async (): Promise<void> => {
    try {
      counts.ticks++;
      fleet.settle();
    } catch (error) {
      log.error('alarm events: the fleet could not catch up', { error: String(error) });
    } finally {
      schedule();
    }
  };

  // One pending timer at most, always for the next minute boundary strictly after now.
  const schedule = (): void => {
    if (stopped || timer !== undefined) return;
    const now = time.nowMs();
    const at = Math.floor((now - offsetMs) / MINUTE_MS) * MINUTE_MS + MINUTE_MS + offsetMs;
    timer = setTimeout(() => {
      timer = undefined;
      void time.track(tick);
    }, at - now);
  };
  schedule();

  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      unsubscribe();
    },
    get counts() {
      return { ...counts };
    },
  };
}
