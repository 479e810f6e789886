import { type InputIssue, InvalidInputError, NotFoundError } from '../../core/errors.js';
import { aliasKey } from '../../core/targets.js';
import { assertUniqueIds } from '../../core/validation.js';
import type { VersionMinute } from '../../core/version-minute.js';
import type { Clock } from '../../ports/clock.js';
import type {
  AlarmReading,
  AlarmSource,
  AliasRef,
  AliasState,
  AliasUpdate,
  CodeSource,
  InvocationQuery,
  MetricSource,
  PublishedVersion,
  Scope,
  TrafficRouter,
} from '../../ports/fleet.js';
import type { AlarmMetric, AlarmStat, Fault, FleetApi, MetricNoise, Scenario } from '../scenario.js';
import { AlarmBook, type AlarmChange, type AlarmStatus } from './alarms.js';
import { type ApiCallCounts, ApiFaultInjector, type CallRatePeak } from './faults.js';
import {
  type AliasRecord,
  currentRouting,
  executedVersionOf,
  type FunctionVersion,
  LambdaService,
  type RoutingChange,
  routingAt,
} from './lambda.js';
import { addSample, emptyAggregate, MetricStore, statistic } from './metrics.js';
import { minuteRandom } from './noise.js';
import { ScriptedAlarms } from './scripted-alarms.js';
import {
  behaviourAt,
  type Carry,
  faultsFor,
  type MinuteNoise,
  minuteShares,
  requestsPerMinute,
  sampleMinute,
} from './traffic.js';
import { type FleetTarget, MINUTE_MS } from './types.js';

/** How to build a {@link FleetSimulator}. */
export interface FleetSimulatorOptions {
  /** The virtual clock; it should start at `scenario.startMs`. */
  readonly clock: Clock;
  /** A parsed scenario (see `parseScenario`). */
  readonly scenario: Scenario;
  /** The aliases the fleet serves, usually every target of a pipeline with its wave's name. */
  readonly targets: readonly FleetTarget[];
  /** Called for every alarm state change, in virtual-time order, as the fleet catches up. */
  readonly onAlarmChange?: (change: AlarmChange) => void;
}

/** An UpdateAlias through the fleet port; the RevisionId may be left out, as Lambda allows. */
export type FleetAliasUpdate = Omit<AliasUpdate, 'revisionId'> & { readonly revisionId?: string };

/** An alias's routing for display: weights in percent, as the core speaks. */
export interface AliasRouting {
  readonly primaryVersion: string;
  readonly additionalVersion: string | null;
  /** Percent of traffic on `additionalVersion` (0 when none). */
  readonly additionalPercent: number;
  readonly revisionId: string;
  /** When this routing took effect. */
  readonly sinceMs: number;
}

/** Options of {@link FleetSimulator.metricData}. */
export interface MetricDataRequest {
  readonly metric: AlarmMetric;
  /** @default Average for Duration, Sum otherwise */
  readonly stat?: AlarmStat;
  /** Only this ExecutedVersion; all versions behind the alias when absent. */
  readonly version?: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** @default 60 */
  readonly periodSeconds?: number;
}

const DESCRIBE_ALARMS_BATCH = 100;
const GET_METRIC_DATA_BATCH = 500;
/** A version minute is four metrics: Invocations and Errors (Sum), Duration p50 and p99. */
const METRICS_PER_VERSION_MINUTE = 4;

/**
 * The simulated fleet: Lambda aliases, traffic, AWS/Lambda metrics and CloudWatch alarms on a
 * virtual clock. Implements the fleet ports, so the same handlers run against it as against AWS.
 * Work is lazy: metrics and alarms catch up to the clock, minute by minute, whenever read.
 *
 * @example
 * const fleet = new FleetSimulator({ clock, scenario: parseScenario(json), targets });
 * const alias = await fleet.getAlias(ref);
 * await fleet.updateAlias(ref, { functionVersion: '1', additional: { version: '2', weight: 0.1 }, revisionId: alias.revisionId });
 * clock.advance(15 * 60_000);
 * await fleet.describeAlarms(ref, ['errors-use1']);
 */
export class FleetSimulator implements TrafficRouter, AlarmSource, MetricSource {
  private readonly clock: Clock;
  private readonly scenario: Scenario;
  private readonly targets: readonly FleetTarget[];
  private readonly lambda = new LambdaService();
  private readonly aliases: AliasRecord[];
  private readonly faultsByTarget: Fault[][];
  private readonly carries: Carry[];
  private readonly byId = new Map<string, number>();
  private readonly byAlias = new Map<string, number>();
  private readonly metrics: MetricStore;
  private readonly alarms: AlarmBook;
  private readonly apiFaults: ApiFaultInjector;
  private readonly scripted: ScriptedAlarms;
  private readonly listeners = new Set<(change: AlarmChange) => void>();
  private settling = false;

  constructor(options: FleetSimulatorOptions) {
    this.clock = options.clock;
    this.scenario = options.scenario;
    this.targets = [...options.targets];
    validateTargets(this.scenario, this.targets);
    const startMs = this.scenario.startMs;
    this.aliases = this.targets.map((target, index) => {
      this.byId.set(target.id, index);
      this.byAlias.set(aliasKey(target), index);
      const initial = Number(target.initialVersion ?? '1');
      this.lambda.ensureFunction(target, initial, startMs);
      return this.lambda.createAlias(target, String(initial), startMs);
    });
    this.faultsByTarget = this.targets.map((target) => faultsFor(this.scenario, target));
    this.carries = this.targets.map(() => new Map());
    // Each minute goes to the store (reads, charts) and to the alarms' period totals as it is made.
    this.metrics = new MetricStore(startMs, this.targets.length, (index, minuteStartMs) => {
      const samples = this.sample(index, minuteStartMs);
      this.alarms.record(index, minuteStartMs, samples);
      return samples;
    });
    this.alarms = AlarmBook.fromScenario(
      this.scenario,
      this.targets,
      {
        executedVersion: (index, atMs) =>
          executedVersionOf(routingAt(this.aliases[index] as AliasRecord, atMs)),
      },
      startMs,
    );
    this.apiFaults = new ApiFaultInjector(this.scenario.apiFaults);
    this.scripted = new ScriptedAlarms(this.scenario, this.targets);
    if (options.onAlarmChange) this.listeners.add(options.onAlarmChange);
  }

  // --- TrafficRouter ---------------------------------------------------------------------------

  /** GetAlias. Throws NotFoundError, ThrottledError, TransientError. */
  async getAlias(alias: AliasRef): Promise<AliasState> {
    this.callApi('GetAlias', alias);
    return this.lambda.getAlias(alias);
  }

  /**
   * UpdateAlias, sent as the AWS adapter sends it: the primary version, the RevisionId when given
   * (absent: unconditional, as Lambda allows), the description when given, and the routing
   * (`additional: null` clears it). Throws AliasConflictError on a stale RevisionId,
   * InvalidInputError on a request Lambda refuses, NotFoundError; each carries Lambda's error
   * name (`awsErrorName`) and message (`awsMessage`).
   */
  async updateAlias(alias: AliasRef, update: FleetAliasUpdate): Promise<AliasState> {
    this.callApi('UpdateAlias', alias);
    return this.lambda.updateAlias(
      alias,
      {
        FunctionVersion: update.functionVersion,
        ...(update.revisionId !== undefined ? { RevisionId: update.revisionId } : {}),
        ...(update.description !== undefined ? { Description: update.description } : {}),
        RoutingConfig: {
          AdditionalVersionWeights:
            update.additional === null ? {} : { [update.additional.version]: update.additional.weight },
        },
      },
      this.clock.nowMs(),
    );
  }

  /** GetFunctionConfiguration with the version as qualifier. Throws NotFoundError. */
  async assertVersionExists(alias: AliasRef, version: string): Promise<void> {
    this.callApi('GetFunctionConfiguration', alias);
    this.lambda.getVersion(alias, version);
  }

  /** Updates the code when given, then publishes; unchanged code returns the latest version. */
  async publishVersion(
    alias: AliasRef,
    request: { readonly code?: CodeSource; readonly description: string },
  ): Promise<PublishedVersion> {
    this.callApi('PublishVersion', alias);
    return this.lambda.publishVersion(alias, request, this.clock.nowMs());
  }

  /**
   * What the team's build does before it asks for a deployment: updates the code and publishes a
   * version. Not one of Breakwater's calls, so the scenario's API faults do not apply to it.
   */
  async publishBuild(
    alias: AliasRef,
    request: { readonly code?: CodeSource; readonly description: string },
  ): Promise<PublishedVersion> {
    return this.lambda.publishVersion(alias, request, this.clock.nowMs());
  }

  // --- AlarmSource -----------------------------------------------------------------------------

  /** DescribeAlarms in one account and region; one call per 100 names. Unknown names are absent. */
  async describeAlarms(scope: Scope, names: readonly string[]): Promise<AlarmReading[]> {
    const unique = [...new Set(names)];
    const concerned = this.targetsIn(scope);
    const calls = Math.max(1, Math.ceil(unique.length / DESCRIBE_ALARMS_BATCH));
    for (let i = 0; i < calls; i++)
      this.apiFaults.call('DescribeAlarms', concerned, this.clock.nowMs(), { scope });
    this.settle();
    const readings: AlarmReading[] = [];
    for (const name of unique) {
      const scripted = this.scripted.reading(scope, name, this.clock.nowMs());
      if (scripted) {
        readings.push(scripted);
        continue;
      }
      const alarm = this.alarms.find(scope.account, scope.region, name);
      if (alarm) {
        readings.push({
          name: alarm.name,
          kind: alarm.kind,
          state: alarm.state,
          reason: alarm.reason,
          updatedAtMs: alarm.updatedAtMs,
        });
      }
    }
    return readings;
  }

  // --- MetricSource ----------------------------------------------------------------------------

  /** GetMetricData (Invocations, Sum, per ExecutedVersion); one call per 500 queries. */
  async countInvocations(scope: Scope, queries: readonly InvocationQuery[]): Promise<Record<string, number>> {
    this.callGetMetricData(scope, queries.length);
    this.settle();
    const counts: Record<string, number> = {};
    for (const q of queries) {
      const index = this.byAlias.get(aliasKey({ ...scope, functionName: q.functionName, alias: q.alias }));
      counts[q.id] =
        index === undefined ? 0 : this.metrics.countInvocations(index, q.version, q.startMs, q.endMs);
    }
    return counts;
  }

  /**
   * GetMetricData (Invocations and Errors Sum, Duration p50 and p99, per ExecutedVersion, period
   * 60 s); four metrics per query, one call per 500 metrics. The same minutes feed the alarms.
   * An alias or version the fleet does not have answers no minutes. Throws InvalidInputError on
   * a repeated id, as the AWS adapter does.
   */
  async versionMinutes(
    scope: Scope,
    queries: readonly InvocationQuery[],
  ): Promise<Record<string, VersionMinute[]>> {
    assertUniqueIds(queries, 'metric queries');
    this.callGetMetricData(scope, queries.length * METRICS_PER_VERSION_MINUTE);
    this.settle();
    const minutes: Record<string, VersionMinute[]> = {};
    for (const q of queries) {
      const index = this.byAlias.get(aliasKey({ ...scope, functionName: q.functionName, alias: q.alias }));
      minutes[q.id] =
        index === undefined ? [] : this.metrics.versionMinutes(index, q.version, q.startMs, q.endMs);
    }
    return minutes;
  }

  // --- Inspection (display, tests) -------------------------------------------------------------

  /** Calls made to each simulated API so far, including the ones a fault failed. */
  get callCounts(): Readonly<ApiCallCounts> {
    return this.apiFaults.callCounts;
  }

  /** Metrics requested by GetMetricData so far (one per query), including calls a fault failed. */
  get metricsRequested(): number {
    return this.apiFaults.metricsRequested;
  }

  /** The busiest virtual second of DescribeAlarms or GetMetricData per account and region, busiest first. */
  peakCallsPerSecond(api: 'DescribeAlarms' | 'GetMetricData'): CallRatePeak[] {
    return this.apiFaults.peakCallsPerSecond(api);
  }

  /** Every routing the target's alias has had, oldest first (the first is its creation). */
  aliasHistory(targetId: string): readonly RoutingChange[] {
    return [...this.aliasOf(targetId).history];
  }

  /** The target's current routing, weights in percent. */
  routing(targetId: string): AliasRouting {
    const now = currentRouting(this.aliasOf(targetId));
    return {
      primaryVersion: now.functionVersion,
      additionalVersion: now.additional?.version ?? null,
      additionalPercent: now.additional ? Math.round(now.additional.weight * 100 * 1e6) / 1e6 : 0,
      revisionId: now.revisionId,
      sinceMs: now.atMs,
    };
  }

  /** The target alias's description (the last one an UpdateAlias set). */
  aliasDescription(targetId: string): string {
    return this.lambda.aliasDescription(this.targetOf(targetId));
  }

  /** Published versions of the target's function, oldest first. */
  versions(targetId: string): readonly FunctionVersion[] {
    return this.lambda.listVersions(this.targetOf(targetId));
  }

  /** Every alarm with its state, caught up to the clock, sorted by account, region and name. */
  alarmStates(): AlarmStatus[] {
    this.settle();
    return this.alarms.all();
  }

  /**
   * Datapoints of one target's metric, per period, for charts. Periods without data are absent,
   * as in CloudWatch.
   *
   * @example fleet.metricData('use1', { metric: 'ErrorRate', fromMs, toMs, periodSeconds: 300 })
   */
  metricData(targetId: string, request: MetricDataRequest): { timestampMs: number; value: number }[] {
    this.settle();
    const index = this.indexOf(targetId);
    const periodMs = (request.periodSeconds ?? 60) * 1000;
    const stat = request.stat ?? (request.metric === 'Duration' ? 'Average' : 'Sum');
    const out: { timestampMs: number; value: number }[] = [];
    for (let from = Math.floor(request.fromMs / periodMs) * periodMs; from < request.toMs; from += periodMs) {
      const aggregate = emptyAggregate();
      for (let minute = from; minute < from + periodMs; minute += MINUTE_MS) {
        for (const s of this.metrics.samples(index, minute)) {
          if (request.version === undefined || s.version === request.version) addSample(aggregate, s);
        }
      }
      const value = statistic(request.metric, stat, aggregate);
      if (value !== null) out.push({ timestampMs: from, value });
    }
    return out;
  }

  /**
   * Subscribes to alarm state changes. Changes are found when the fleet catches up (on any read,
   * or {@link settle}), each with the virtual time it happened, in time order. The scenario's
   * scripted alarms (alarm blockers) are included; an evaluated alarm they hide is not. Returns
   * the unsubscribe function.
   */
  onAlarmChange(listener: (change: AlarmChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Brings metrics and alarms up to the clock: every minute that ended is generated and every
   * period boundary evaluated, in order. Reads call it; call it yourself after advancing the
   * clock to have `onAlarmChange` listeners notified promptly.
   */
  settle(): void {
    // A listener that reads the fleet re-enters here; it sees the state at the current boundary.
    if (this.settling) return;
    this.settling = true;
    try {
      const nowMs = this.clock.nowMs();
      const notify = (change: AlarmChange) => {
        for (const listener of this.listeners) listener(change);
      };
      while (this.metrics.generatedUntilMs + MINUTE_MS <= nowMs) {
        this.metrics.generateNext();
        const boundaryMs = this.metrics.generatedUntilMs;
        for (const change of this.scripted.takeThrough(boundaryMs)) notify(change);
        for (const change of this.alarms.evaluateAt(boundaryMs)) {
          if (!this.scripted.scripts(change.account, change.region, change.name)) notify(change);
        }
      }
      for (const change of this.scripted.takeThrough(nowMs)) notify(change);
    } finally {
      this.settling = false;
    }
  }

  // --- internals -------------------------------------------------------------------------------

  private sample(index: number, minuteStartMs: number) {
    const record = this.aliases[index] as AliasRecord;
    const target = this.targets[index] as FleetTarget;
    const midMinute = minuteStartMs + MINUTE_MS / 2;
    const faults = this.faultsByTarget[index] as Fault[];
    return sampleMinute({
      requests: requestsPerMinute(this.scenario, target.id, midMinute),
      shares: minuteShares(record.history, minuteStartMs),
      behaviourOf: (version) =>
        behaviourAt(
          this.scenario,
          faults,
          this.lambda.isCandidate(record, version) ? 'candidate' : 'baseline',
          midMinute,
        ),
      carry: this.carries[index] as Carry,
      ...(this.scenario.noise ? { noise: this.noiseOf(this.scenario.noise, target, minuteStartMs) } : {}),
    });
  }

  /** The minute's noise: generators keyed by the seed, target id, minute and version, never by order. */
  private noiseOf(noise: MetricNoise, target: FleetTarget, minuteStartMs: number): MinuteNoise {
    const { seed } = this.scenario;
    return {
      counts: noise.counts,
      latencyCv: noise.latencyCv,
      random: (version, quantity) => minuteRandom(seed, target.id, minuteStartMs, version, quantity),
    };
  }

  /** Counts (and may fail, by the scenario's API faults) the GetMetricData calls `metrics` metrics take. */
  private callGetMetricData(scope: Scope, metrics: number): void {
    const concerned = this.targetsIn(scope);
    const calls = Math.max(1, Math.ceil(metrics / GET_METRIC_DATA_BATCH));
    for (let i = 0; i < calls; i++) {
      const inCall = Math.min(GET_METRIC_DATA_BATCH, metrics - i * GET_METRIC_DATA_BATCH);
      this.apiFaults.call('GetMetricData', concerned, this.clock.nowMs(), { scope, metrics: inCall });
    }
  }

  private callApi(api: FleetApi, alias: AliasRef): void {
    const index = this.byAlias.get(aliasKey(alias));
    const concerned = index === undefined ? [] : [this.targets[index] as FleetTarget];
    this.apiFaults.call(api, concerned, this.clock.nowMs());
  }

  private targetsIn(scope: Scope): FleetTarget[] {
    return this.targets.filter((t) => t.account === scope.account && t.region === scope.region);
  }

  private indexOf(targetId: string): number {
    const index = this.byId.get(targetId);
    if (index === undefined) throw new NotFoundError(`No target "${targetId}" in the simulated fleet`);
    return index;
  }

  private targetOf(targetId: string): FleetTarget {
    return this.targets[this.indexOf(targetId)] as FleetTarget;
  }

  private aliasOf(targetId: string): AliasRecord {
    return this.aliases[this.indexOf(targetId)] as AliasRecord;
  }
}

/** Target ids, aliases and initial versions are sound, and every selector in the scenario names something. */
function validateTargets(scenario: Scenario, targets: readonly FleetTarget[]): void {
  const issues: InputIssue[] = [];
  const ids = new Set<string>();
  const aliases = new Set<string>();
  targets.forEach((t, i) => {
    if (ids.has(t.id)) issues.push({ path: `targets[${i}].id`, message: `duplicate target id "${t.id}"` });
    ids.add(t.id);
    const key = aliasKey(t);
    if (aliases.has(key)) issues.push({ path: `targets[${i}]`, message: `alias ${key} is already a target` });
    aliases.add(key);
    if (t.initialVersion !== undefined && !/^[1-9]\d{0,5}$/.test(t.initialVersion)) {
      issues.push({
        path: `targets[${i}].initialVersion`,
        message: `expected a published version number like "1", got ${JSON.stringify(t.initialVersion)}`,
      });
    }
  });
  const known = new Set(['*', ...ids, ...targets.map((t) => t.waveName)]);
  const checkSelectors = (selectors: readonly string[] | undefined, path: string): void => {
    selectors?.forEach((s, j) => {
      if (!known.has(s)) {
        issues.push({ path: `${path}[${j}]`, message: `no target or wave named "${s}"`, received: s });
      }
    });
  };
  scenario.faults.forEach((f, i) => {
    checkSelectors(f.targets, `faults[${i}].targets`);
  });
  scenario.apiFaults.forEach((f, i) => {
    checkSelectors(f.targets, `apiFaults[${i}].targets`);
  });
  scenario.hooks.forEach((h, i) => {
    checkSelectors(h.targets, `hooks[${i}].targets`);
  });
  for (const id of Object.keys(scenario.traffic.perTarget)) {
    if (!ids.has(id)) issues.push({ path: `traffic.perTarget.${id}`, message: `no target with id "${id}"` });
  }
  if (issues.length > 0) throw new InvalidInputError('scenario', issues);
}
