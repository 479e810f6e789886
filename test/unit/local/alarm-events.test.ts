import { afterEach, describe, expect, it } from 'vitest';
import {
  alarmEventId,
  publishAlarmEvents,
  toAlarmStateChangeEvent,
} from '../../../src/local/alarm-events.js';
import { LocalEventBus } from '../../../src/local/event-bus.js';
import { matchesEventPattern } from '../../../src/local/event-pattern.js';
import { type AlarmChange, FleetSimulator } from '../../../src/local/fleet/index.js';
import { parseScenario, type ScenarioInput } from '../../../src/local/scenario.js';
import { VirtualTime } from '../../../src/local/virtual-time.js';
import {
  ALARM_STATE_CHANGE_PATTERN,
  type AlarmStateChangeEvent,
  parseAlarmEventTimestamp,
} from '../../../src/ports/alarm-events.js';
import { ACCOUNT, fleetWith, MINUTE, START, START_MS, startOneBox, target } from '../fleet/fixtures.js';

const use1 = target('use1');
const oneBoxAlarm = {
  name: 'onebox-errors-{target.id}',
  metric: 'ErrorRate',
  scope: 'new-version',
  period: 60,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 2,
  treatMissingData: 'notBreaching',
} as const;
const faultAt10m: ScenarioInput = {
  alarms: { metric: [oneBoxAlarm] },
  faults: [{ at: '10m', kind: 'sudden', errorRate: 0.5 }],
};

/** Every alarm change of a one-box run with a fault at 10m, read with a manual clock. */
async function changesOf(scenario: ScenarioInput, minutes = 20): Promise<AlarmChange[]> {
  const { fleet, clock } = fleetWith(scenario, [use1]);
  const changes: AlarmChange[] = [];
  fleet.onAlarmChange((c) => changes.push(c));
  await startOneBox(fleet, use1, 0.1);
  clock.advance(minutes * MINUTE);
  fleet.settle();
  return changes;
}

describe('toAlarmStateChangeEvent', () => {
  it('builds the CloudWatch event of a metric alarm entering ALARM, with the datapoints it judged', async () => {
    const changes = await changesOf(faultAt10m);
    const change = changes.find((c) => c.to === 'ALARM') as AlarmChange;

    const event = toAlarmStateChangeEvent(change);

    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: ACCOUNT,
      region: 'us-east-1',
      time: '2026-11-23T09:12:00Z',
      resources: [`arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:onebox-errors-use1`],
      detail: {
        alarmName: 'onebox-errors-use1',
        state: { value: 'ALARM', reason: change.reason, timestamp: '2026-11-23T09:12:00.000+0000' },
        previousState: {
          value: 'OK',
          reason: change.previousReason,
          timestamp: '2026-11-23T09:01:00.000+0000',
        },
      },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const reasonData = JSON.parse(event.detail.state.reasonData as string);
    expect(reasonData).toMatchObject({
      version: '1.0',
      queryDate: '2026-11-23T09:12:00.000+0000',
      startDate: '2026-11-23T09:09:00.000+0000',
      period: 60,
      threshold: 2,
    });
    expect(reasonData.recentDatapoints).toHaveLength(3);
    expect(reasonData.recentDatapoints.filter((v: number) => v > 2)).toHaveLength(2);
    expect(reasonData.evaluatedDatapoints[0].timestamp).toBe('2026-11-23T09:11:00.000+0000');
    expect(parseAlarmEventTimestamp(event.detail.state.timestamp)).toBe(change.atMs);
    expect(matchesEventPattern(ALARM_STATE_CHANGE_PATTERN, event)).toBe(true);
  });

  it('describes a new-version alarm with the ExecutedVersion it watched and the ErrorRate expression', async () => {
    const [change] = await changesOf(faultAt10m);
    const { configuration } = toAlarmStateChangeEvent(change as AlarmChange).detail;
    expect(configuration.description).toMatch(/ErrorRate > 2 for 2 of 3 periods of 60 s/);
    expect(configuration.metrics).toEqual([
      {
        id: 'errors1',
        metricStat: {
          metric: {
            dimensions: { FunctionName: 'payments', Resource: 'payments:live-use1', ExecutedVersion: '2' },
            name: 'Errors',
            namespace: 'AWS/Lambda',
          },
          period: 60,
          stat: 'Sum',
        },
        returnData: false,
      },
      {
        id: 'invocations1',
        metricStat: {
          metric: {
            dimensions: { FunctionName: 'payments', Resource: 'payments:live-use1', ExecutedVersion: '2' },
            name: 'Invocations',
            namespace: 'AWS/Lambda',
          },
          period: 60,
          stat: 'Sum',
        },
        returnData: false,
      },
      { id: 'errorRate', expression: '100 * errors1 / invocations1', label: 'ErrorRate', returnData: true },
    ]);
  });

  it('leaves reasonData out of the initial state, which no evaluation produced', async () => {
    const [first] = await changesOf(faultAt10m);
    const event = toAlarmStateChangeEvent(first as AlarmChange);
    expect(event.detail.previousState).toEqual({
      value: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      timestamp: '2026-11-23T09:00:00.000+0000',
    });
    expect(event.detail.state.reasonData).toBeDefined();
    expect(matchesEventPattern(ALARM_STATE_CHANGE_PATTERN, event)).toBe(false);
  });

  it('gives a composite its rule as configuration and no reasonData', async () => {
    const changes = await changesOf({
      ...faultAt10m,
      alarms: {
        metric: [oneBoxAlarm],
        composite: [{ name: 'health-{target.id}', rule: 'ALARM("onebox-errors-{target.id}")' }],
      },
    });
    const composite = changes.find((c) => c.kind === 'composite' && c.to === 'ALARM') as AlarmChange;
    const event = toAlarmStateChangeEvent(composite);
    expect(event.detail.configuration).toEqual({ alarmRule: 'ALARM("onebox-errors-use1")' });
    expect(event.detail.state).not.toHaveProperty('reasonData');
    expect(event.resources).toEqual([`arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:health-use1`]);
  });

  it('gives identical events, ids included, when the same scenario runs twice', async () => {
    const first = (await changesOf(faultAt10m)).map((c) => toAlarmStateChangeEvent(c));
    const second = (await changesOf(faultAt10m)).map((c) => toAlarmStateChangeEvent(c));
    expect(second).toEqual(first);
    expect(new Set(first.map((e) => e.id)).size).toBe(first.length);
  });

  it('derives the id from alarm, account, region, instant and new state', () => {
    const base = { account: ACCOUNT, region: 'us-east-1', name: 'a', atMs: START_MS, to: 'ALARM' as const };
    expect(alarmEventId(base)).toBe(alarmEventId({ ...base }));
    expect(alarmEventId({ ...base, to: 'OK' })).not.toBe(alarmEventId(base));
    expect(alarmEventId({ ...base, atMs: START_MS + 1 })).not.toBe(alarmEventId(base));
    expect(alarmEventId({ ...base, region: 'us-west-2' })).not.toBe(alarmEventId(base));
    expect(
      toAlarmStateChangeEvent(
        { ...base, kind: 'metric', from: 'OK', reason: 'r', previousReason: 'p', previousAtMs: START_MS },
        { id: 'given' },
      ).id,
    ).toBe('given');
  });
});

describe('publishAlarmEvents', () => {
  let time: VirtualTime | undefined;
  afterEach(() => {
    time?.uninstall();
    time = undefined;
  });

  /** A fleet and bus on a virtual clock, with a rule recording what the watcher would receive. */
  async function world(scenario: ScenarioInput, delivery: 'delivered' | 'lost' = 'delivered') {
    time = VirtualTime.install(START_MS);
    const fleet = new FleetSimulator({
      clock: time.clock,
      scenario: parseScenario({ start: START, ...scenario }),
      targets: [use1],
    });
    await startOneBox(fleet, use1, 0.1);
    const bus = new LocalEventBus<AlarmStateChangeEvent>({ time });
    const received: { atMs: number; event: AlarmStateChangeEvent }[] = [];
    const clock = time;
    bus.addRule({
      name: 'alarm-watcher',
      eventPattern: ALARM_STATE_CHANGE_PATTERN,
      target: async (event) => {
        received.push({ atMs: clock.nowMs(), event });
      },
    });
    const publisher = publishAlarmEvents({ time, fleet, bus, delivery });
    const runFor = (ms: number) =>
      clock.drive(new Promise<void>((resolve) => setTimeout(resolve, START_MS + ms - clock.nowMs())));
    return { fleet, bus, publisher, received, runFor };
  }

  it('delivers an alarm entering ALARM at the minute it happens, though nothing reads alarms', async () => {
    const { received, publisher, bus, runFor } = await world(faultAt10m);

    await runFor(20 * MINUTE);

    // Found at 09:12:00.005 by the ticker, delivered one virtual second later.
    expect(received.map((r) => [r.event.detail.alarmName, r.event.time, r.atMs - START_MS])).toEqual([
      ['onebox-errors-use1', '2026-11-23T09:12:00Z', 12 * MINUTE + 5 + 1000],
    ]);
    expect(publisher.counts).toMatchObject({ lost: 0 });
    expect(publisher.counts.published).toBe(publisher.counts.changes);
    // Every change is put on the bus; only ALARM entries match the watcher's rule.
    expect(bus.stats).toMatchObject({ put: publisher.counts.changes, matched: 1, delivered: 1 });
  });

  it("publishes nothing with delivery 'lost', counting each change as lost", async () => {
    const { received, publisher, bus, runFor } = await world(faultAt10m, 'lost');
    await runFor(20 * MINUTE);
    expect(received).toEqual([]);
    expect(bus.stats.put).toBe(0);
    expect(publisher.counts.lost).toBe(publisher.counts.changes);
    expect(publisher.counts.changes).toBeGreaterThanOrEqual(2);
  });

  it('publishes the scenario’s scripted alarm blockers as real alarm events', async () => {
    const { received, runFor } = await world({
      blockers: [
        { kind: 'alarm', name: 'org-freeze', region: 'us-east-1', at: '30m', until: '45m', reason: 'freeze' },
      ],
    });
    await runFor(60 * MINUTE);
    expect(
      received.map((r) => [r.event.detail.alarmName, r.event.detail.state.reason, r.atMs - START_MS]),
    ).toEqual([['org-freeze', 'freeze', 30 * MINUTE + 5 + 1000]]);
  });

  it('ticks exactly once per virtual minute, a few ms after the boundary', async () => {
    const { fleet, publisher, runFor } = await world({});
    const settledAt: number[] = [];
    const settle = fleet.settle.bind(fleet);
    fleet.settle = () => {
      settledAt.push((time as VirtualTime).nowMs() - START_MS);
      settle();
    };
    await runFor(10 * MINUTE + 30_000);
    // The first boundary is the start itself; then one tick per minute, never two.
    expect(publisher.counts.ticks).toBe(11);
    expect(settledAt).toEqual(Array.from({ length: 11 }, (_, i) => i * MINUTE + 5));
  });

  it('stops ticking and listening on stop()', async () => {
    const { publisher, received, runFor } = await world(faultAt10m);
    await runFor(5 * MINUTE);
    publisher.stop();
    publisher.stop();
    await runFor(30 * MINUTE);
    expect(publisher.counts).toMatchObject({ ticks: 5, changes: 1, published: 1 });
    expect(received).toEqual([]);
  });
});
