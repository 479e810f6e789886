import type { AlarmStateValue } from '../../core/alarm-state.js';
import type { InputIssue } from '../../core/errors.js';
import { InvalidInputError } from '../../core/errors.js';
import { expandAlarmName } from '../../core/targets.js';
import { isoAt } from '../../ports/clock.js';
import type { MetricAlarmDefinition, Scenario } from '../scenario.js';
import {
  assessComposite,
  assessMetricAlarm,
  decideMetricAlarmState,
  type EvaluatedDatapoint,
  evaluationRangeLength,
} from './alarm-assessment.js';
import { type Aggregate, emptyAggregate, statistic } from './metrics.js';
import { mergeInOrder, PeriodAggregates, type PeriodNeeds } from './period-aggregates.js';
import { mapRuleNames, parseRule, RULE_LIMITS, type RuleNode, ruleAlarmNames } from './rule.js';
import type { MinuteSample } from './traffic.js';
import type { FleetTarget } from './types.js';

/*
 * CloudWatch alarms of the simulated fleet: the scenario's definitions expanded per target, and
 * evaluated at every period boundary in time order — metric alarms first, then composites in
 * dependency order — so that state change times are exact however rarely anyone reads them.
 */

/** An alarm as shown to people: where it lives, what it covers, its state. */
export interface AlarmStatus {
  readonly name: string;
  readonly kind: 'metric' | 'composite';
  readonly account: string;
  readonly region: string;
  readonly state: AlarmStateValue;
  readonly reason: string;
  readonly updatedAtMs: number;
  /** Targets whose metrics (or whose alarms, for a composite) the alarm watches. */
  readonly targetIds: readonly string[];
}

/** One state transition, as passed to `onAlarmChange` listeners. */
export interface AlarmChange {
  readonly name: string;
  readonly kind: 'metric' | 'composite';
  readonly account: string;
  readonly region: string;
  readonly from: AlarmStateValue;
  readonly to: AlarmStateValue;
  readonly reason: string;
  readonly atMs: number;
  /** The reason of the state left (`from`). */
  readonly previousReason: string;
  /** When the alarm entered `from`. */
  readonly previousAtMs: number;
  /** A metric alarm's evaluation that made this change. */
  readonly evaluation?: MetricAlarmEvaluation;
  /** The evaluation that put a metric alarm in `from`; absent when `from` is its initial state. */
  readonly previousEvaluation?: MetricAlarmEvaluation;
  /** A composite's rule, placeholders expanded. */
  readonly alarmRule?: string;
  /** A scenario blocker holding the alarm in ALARM, not an evaluated alarm. */
  readonly scripted?: true;
}

/** What a metric alarm watched and the datapoints one evaluation judged (CloudWatch's reasonData). */
export interface MetricAlarmEvaluation {
  readonly definition: MetricAlarmDefinition;
  /** The aliases whose metrics the alarm adds up, with the ExecutedVersion for a new-version alarm. */
  readonly sources: readonly {
    readonly functionName: string;
    readonly alias: string;
    readonly executedVersion?: string;
  }[];
  /** One value per period of the last `evaluationPeriods`, oldest first; null where the period had no datapoint. */
  readonly values: readonly (number | null)[];
  /** Start of the oldest of those periods. */
  readonly startMs: number;
  /**
   * The real datapoints CloudWatch judged, oldest first: the most recent ones of the evaluation
   * range, which reaches further back than `values` when datapoints are missing.
   */
  readonly evaluated: readonly EvaluatedDatapoint[];
  /** Missing periods that stood in for datapoints (evaluationPeriods minus `evaluated`). */
  readonly filled: number;
  /** When the evaluation ran (the end of the newest period). */
  readonly atMs: number;
}

/** What alarm evaluation needs from the rest of the fleet (the samples come through {@link AlarmBook.record}). */
export interface AlarmEnvironment {
  /** The version an ExecutedVersion-scoped alarm of this target watches at `atMs`. */
  executedVersion(targetIndex: number, atMs: number): string;
}

interface AlarmCommon {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly targetIndexes: readonly number[];
  state: AlarmStateValue;
  reason: string;
  updatedAtMs: number;
}

interface MetricAlarm extends AlarmCommon {
  readonly kind: 'metric';
  readonly definition: MetricAlarmDefinition;
  readonly periodMs: number;
  /** Period start → value, for the periods still inside the evaluation range. */
  readonly window: Map<number, number | null>;
  /** Which versions the cached values were computed for; a routing change invalidates them. */
  windowKey: string;
  /** The evaluation behind the current state, for the next change's previous state. */
  lastEvaluation?: MetricAlarmEvaluation;
}

interface CompositeAlarm extends AlarmCommon {
  readonly kind: 'composite';
  readonly rule: RuleNode;
  /** The rule as CloudWatch shows it, placeholders expanded. */
  readonly ruleText: string;
  readonly children: ReadonlyMap<string, AlarmCommon>;
}

type Alarm = MetricAlarm | CompositeAlarm;

function scopeKey(account: string, region: string, name: string): string {
  return `${account}\u0000${region}\u0000${name}`;
}

interface Group {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly targetIndexes: number[];
}

/** Targets whose expanded names coincide (in one account and region) share one alarm. */
function groupTargets(template: string, targets: readonly FleetTarget[]): Group[] {
  const groups = new Map<string, Group>();
  targets.forEach((target, index) => {
    const name = expandAlarmName(template, target, target.waveName);
    const key = scopeKey(target.account, target.region, name);
    const group = groups.get(key);
    if (group) group.targetIndexes.push(index);
    else groups.set(key, { name, account: target.account, region: target.region, targetIndexes: [index] });
  });
  return [...groups.values()];
}

const INITIAL_REASON = 'Unchecked: Initial alarm creation';

/** How many composite alarms may name one alarm (PutCompositeAlarm). */
export const MAX_COMPOSITES_PER_ALARM = 150;

/**
 * Every alarm of the fleet, with lazily caught-up evaluation. Build it with
 * {@link AlarmBook.fromScenario}; give it every generated minute with {@link AlarmBook.record} and
 * call {@link AlarmBook.evaluateAt} for every minute boundary in order.
 */
export class AlarmBook {
  private readonly byKey = new Map<string, Alarm>();
  private periods: PeriodAggregates;
  private readonly metricAlarms: MetricAlarm[] = [];
  /** In dependency order: a composite comes after every composite it names. */
  private readonly composites: CompositeAlarm[] = [];

  private constructor(
    private readonly targets: readonly FleetTarget[],
    private readonly env: AlarmEnvironment,
  ) {
    this.periods = new PeriodAggregates(targets.length, []);
  }

  /**
   * Expands the scenario's alarm definitions over the targets. Throws InvalidInputError for
   * duplicate names, composites naming alarms that do not exist, cycles, and composite rules
   * that expand differently for targets sharing the composite's name.
   *
   * @example AlarmBook.fromScenario(scenario, targets, env, scenario.startMs)
   */
  static fromScenario(
    scenario: Scenario,
    targets: readonly FleetTarget[],
    env: AlarmEnvironment,
    createdAtMs: number,
  ): AlarmBook {
    const book = new AlarmBook(targets, env);
    const issues: InputIssue[] = [];
    const definedAt = new Map<string, string>();
    const claim = (group: Group, path: string): boolean => {
      const key = scopeKey(group.account, group.region, group.name);
      const previous = definedAt.get(key);
      if (previous) {
        issues.push({
          path,
          message: `alarm "${group.name}" in ${group.account}/${group.region} is also defined at ${previous}`,
        });
        return false;
      }
      definedAt.set(key, path);
      return true;
    };

    scenario.alarms.metric.forEach((definition, i) => {
      for (const group of groupTargets(definition.name, targets)) {
        if (!claim(group, `alarms.metric[${i}].name`)) continue;
        const alarm: MetricAlarm = {
          ...group,
          kind: 'metric',
          definition,
          periodMs: definition.period * 1000,
          window: new Map(),
          windowKey: '',
          state: 'INSUFFICIENT_DATA',
          reason: INITIAL_REASON,
          updatedAtMs: createdAtMs,
        };
        book.metricAlarms.push(alarm);
        book.byKey.set(scopeKey(group.account, group.region, group.name), alarm);
      }
    });

    book.periods = new PeriodAggregates(targets.length, book.periodNeeds());

    const pending: { alarm: CompositeAlarm; names: string[]; path: string }[] = [];
    scenario.alarms.composite.forEach((definition, i) => {
      const template = parseRule(definition.rule);
      for (const group of groupTargets(definition.name, targets)) {
        if (!claim(group, `alarms.composite[${i}].name`)) continue;
        const rule = book.expandRule(template, group, `alarms.composite[${i}].rule`, issues);
        if (!rule) continue;
        const first = targets[group.targetIndexes[0] as number] as FleetTarget;
        const ruleText = expandAlarmName(definition.rule, first, first.waveName);
        // Placeholders can make the rule CloudWatch receives longer than the one written.
        if (ruleText.length > RULE_LIMITS.characters) {
          issues.push({
            path: `alarms.composite[${i}].rule`,
            message:
              `composite alarm "${group.name}": its rule expands to ${ruleText.length.toLocaleString('en-US')} ` +
              `characters; CloudWatch allows at most ${RULE_LIMITS.characters.toLocaleString('en-US')}`,
          });
          continue;
        }
        const alarm: CompositeAlarm = {
          ...group,
          kind: 'composite',
          rule,
          ruleText,
          children: new Map(),
          state: 'INSUFFICIENT_DATA',
          reason: INITIAL_REASON,
          updatedAtMs: createdAtMs,
        };
        book.byKey.set(scopeKey(group.account, group.region, group.name), alarm);
        pending.push({ alarm, names: ruleAlarmNames(rule), path: `alarms.composite[${i}].rule` });
      }
    });
    book.linkComposites(pending, issues);
    if (issues.length > 0) throw new InvalidInputError('scenario', issues);
    // CloudWatch creates a composite in INSUFFICIENT_DATA and evaluates it at once; from then on
    // it is ALARM or OK. The alarms exist before the simulation starts, so no event is sent.
    book.evaluateComposites(createdAtMs, []);
    return book;
  }

  /** Which period aggregates each target must keep for its metric alarms. */
  private periodNeeds(): { target: number; needs: PeriodNeeds }[] {
    return this.metricAlarms.flatMap((alarm) => {
      const { metric, stat, scope, evaluationPeriods } = alarm.definition;
      const needs: PeriodNeeds = {
        periodMs: alarm.periodMs,
        keep: evaluationRangeLength(evaluationPeriods),
        allVersions: scope === 'alias',
        perVersion: scope === 'new-version',
        parts:
          metric === 'Duration' &&
          (stat === 'p99' || (alarm.targetIndexes.length > 1 && (stat === 'Sum' || stat === 'Average'))),
      };
      return alarm.targetIndexes.map((target) => ({ target, needs }));
    });
  }

  /** Takes one generated minute of a target's samples. Call for every target and minute, in order. */
  record(targetIndex: number, minuteStartMs: number, samples: readonly MinuteSample[]): void {
    this.periods.add(targetIndex, minuteStartMs, samples);
  }

  /** Finished periods held for a target and period length (memory stays bounded; for tests). */
  periodsHeld(targetIndex: number, periodMs: number): number {
    return this.periods.held(targetIndex, periodMs);
  }

  private expandRule(
    template: RuleNode,
    group: Group,
    path: string,
    issues: InputIssue[],
  ): RuleNode | undefined {
    const expansions = group.targetIndexes.map((index) => {
      const target = this.targets[index] as FleetTarget;
      return mapRuleNames(template, (name) => expandAlarmName(name, target, target.waveName));
    });
    const first = expansions[0] as RuleNode;
    const differs = expansions.findIndex((rule) => JSON.stringify(rule) !== JSON.stringify(first));
    if (differs >= 0) {
      const a = this.targets[group.targetIndexes[0] as number]?.id;
      const b = this.targets[group.targetIndexes[differs] as number]?.id;
      issues.push({
        path,
        message:
          `composite "${group.name}" names different alarms for targets "${a}" and "${b}"; ` +
          'put the same placeholders in the composite name as in its rule',
      });
      return undefined;
    }
    return first;
  }

  private linkComposites(
    pending: readonly { alarm: CompositeAlarm; names: string[]; path: string }[],
    issues: InputIssue[],
  ): void {
    for (const { alarm, names, path } of pending) {
      const children = alarm.children as Map<string, AlarmCommon>;
      for (const name of names) {
        const child = this.byKey.get(scopeKey(alarm.account, alarm.region, name));
        if (child) children.set(name, child);
        else {
          issues.push({
            path,
            message: `composite "${alarm.name}" names alarm "${name}", which does not exist in ${alarm.account}/${alarm.region}`,
          });
        }
      }
    }
    // CloudWatch: "A single alarm can be watched by up to 150 composite alarms."
    const parents = new Map<AlarmCommon, CompositeAlarm[]>();
    for (const { alarm } of pending) {
      for (const child of alarm.children.values()) parents.set(child, [...(parents.get(child) ?? []), alarm]);
    }
    for (const [child, watchers] of parents) {
      if (watchers.length <= MAX_COMPOSITES_PER_ALARM) continue;
      issues.push({
        path: 'alarms.composite',
        message:
          `alarm "${child.name}" in ${child.account}/${child.region} is named by ${watchers.length} composite alarms; ` +
          `CloudWatch allows at most ${MAX_COMPOSITES_PER_ALARM} for one alarm`,
      });
    }
    // Depth-first topological order; a composite met again while on the path is a cycle.
    const state = new Map<CompositeAlarm, 'visiting' | 'done'>();
    const visit = (alarm: CompositeAlarm, path: string): void => {
      const seen = state.get(alarm);
      if (seen === 'done') return;
      if (seen === 'visiting') {
        issues.push({ path, message: `composite "${alarm.name}" is part of a cycle of composite alarms` });
        return;
      }
      state.set(alarm, 'visiting');
      for (const child of alarm.children.values()) {
        if ((child as Alarm).kind === 'composite') visit(child as CompositeAlarm, path);
      }
      state.set(alarm, 'done');
      this.composites.push(alarm);
    };
    for (const { alarm, path } of pending) visit(alarm, path);
  }

  /**
   * Evaluates every metric alarm whose period ends at `atMs`, then the composites if anything
   * changed. Call for each minute boundary in order, after that minute's metrics exist.
   */
  evaluateAt(atMs: number): AlarmChange[] {
    const changes: AlarmChange[] = [];
    for (const alarm of this.metricAlarms) {
      if (atMs % alarm.periodMs === 0) this.evaluateMetricAlarm(alarm, atMs, changes);
    }
    if (changes.length > 0) this.evaluateComposites(atMs, changes);
    return changes;
  }

  /** The alarm named `name` in an account and region, if any. */
  find(account: string, region: string, name: string): AlarmStatus | undefined {
    const alarm = this.byKey.get(scopeKey(account, region, name));
    return alarm ? this.status(alarm) : undefined;
  }

  /** Every alarm, sorted by account, region and name. */
  all(): AlarmStatus[] {
    return [...this.byKey.values()]
      .map((alarm) => this.status(alarm))
      .sort((a, b) =>
        `${a.account}/${a.region}/${a.name}`.localeCompare(`${b.account}/${b.region}/${b.name}`),
      );
  }

  private status(alarm: Alarm): AlarmStatus {
    return {
      name: alarm.name,
      kind: alarm.kind,
      account: alarm.account,
      region: alarm.region,
      state: alarm.state,
      reason: alarm.reason,
      updatedAtMs: alarm.updatedAtMs,
      targetIds: alarm.targetIndexes.map((i) => (this.targets[i] as FleetTarget).id),
    };
  }

  private evaluateMetricAlarm(alarm: MetricAlarm, atMs: number, changes: AlarmChange[]): void {
    const { definition, periodMs } = alarm;
    const versions =
      definition.scope === 'new-version'
        ? alarm.targetIndexes.map((index) => this.env.executedVersion(index, atMs))
        : null;
    const key = versions ? versions.join(',') : '';
    if (key !== alarm.windowKey) {
      alarm.window.clear();
      alarm.windowKey = key;
    }
    // CloudWatch retrieves more periods than it judges (the evaluation range) and, when some are
    // missing, judges the most recent datapoints that exist.
    const n = definition.evaluationPeriods;
    const rangeLength = evaluationRangeLength(n);
    const range: (number | null)[] = [];
    for (let k = rangeLength; k >= 1; k--) {
      const periodStart = atMs - k * periodMs;
      let value = alarm.window.get(periodStart);
      if (value === undefined) {
        value = this.periodValue(alarm, versions, periodStart);
        alarm.window.set(periodStart, value);
      }
      range.push(value);
    }
    alarm.window.delete(atMs - (rangeLength + 1) * periodMs);
    const input = {
      values: range,
      evaluationPeriods: n,
      comparison: definition.comparison,
      threshold: definition.threshold,
      datapointsToAlarm: definition.datapointsToAlarm,
      treatMissingData: definition.treatMissingData,
      current: alarm.state,
    };
    const state = decideMetricAlarmState(input);
    if (state === alarm.state) return;
    const assessment = assessMetricAlarm(input, { rangeStartMs: atMs - rangeLength * periodMs, periodMs });
    const evaluation: MetricAlarmEvaluation = {
      definition,
      sources: alarm.targetIndexes.map((index, i) => {
        const { functionName, alias } = this.targets[index] as FleetTarget;
        return versions
          ? { functionName, alias, executedVersion: versions[i] as string }
          : { functionName, alias };
      }),
      values: range.slice(rangeLength - n),
      startMs: atMs - n * periodMs,
      evaluated: assessment.evaluated,
      filled: assessment.filled,
      atMs,
    };
    this.transition(alarm, state, assessment.reason, atMs, changes, evaluation);
    alarm.lastEvaluation = evaluation;
  }

  private periodValue(
    alarm: MetricAlarm,
    versions: readonly string[] | null,
    periodStart: number,
  ): number | null {
    const { metric, stat } = alarm.definition;
    const parts = alarm.targetIndexes.map((index, i) =>
      this.periods.get(index, alarm.periodMs, periodStart, versions ? (versions[i] as string) : null),
    );
    if (parts.length === 1) return statistic(metric, stat, parts[0] ?? EMPTY);
    return statistic(metric, stat, mergeInOrder(parts));
  }

  private evaluateComposites(atMs: number, changes: AlarmChange[]): void {
    for (const alarm of this.composites) {
      const state = assessComposite(alarm.rule, (name) => alarm.children.get(name));
      if (state !== alarm.state) this.transition(alarm, state, compositeReason(alarm, state), atMs, changes);
    }
  }

  private transition(
    alarm: Alarm,
    to: AlarmStateValue,
    reason: string,
    atMs: number,
    changes: AlarmChange[],
    evaluation?: MetricAlarmEvaluation,
  ): void {
    const change: AlarmChange = {
      name: alarm.name,
      kind: alarm.kind,
      account: alarm.account,
      region: alarm.region,
      from: alarm.state,
      to,
      reason,
      atMs,
      previousReason: alarm.reason,
      previousAtMs: alarm.updatedAtMs,
    };
    if (alarm.kind === 'composite') changes.push({ ...change, alarmRule: alarm.ruleText });
    else {
      changes.push({
        ...change,
        ...(evaluation ? { evaluation } : {}),
        ...(alarm.lastEvaluation ? { previousEvaluation: alarm.lastEvaluation } : {}),
      });
    }
    alarm.state = to;
    alarm.reason = reason;
    alarm.updatedAtMs = atMs;
  }
}

const EMPTY: Aggregate = emptyAggregate();

/**
 * Like CloudWatch: names the child whose change moved the composite, with when. At the first
 * evaluation, when no child has changed since the composite was created, says what the rule gave.
 */
function compositeReason(alarm: CompositeAlarm, state: AlarmStateValue): string {
  let latest: [string, AlarmCommon] | undefined;
  for (const entry of alarm.children)
    if (!latest || entry[1].updatedAtMs > latest[1].updatedAtMs) latest = entry;
  if (!latest || (alarm.reason === INITIAL_REASON && latest[1].updatedAtMs <= alarm.updatedAtMs)) {
    return `Rule evaluated to ${state === 'ALARM' ? 'TRUE' : 'FALSE'}.`;
  }
  const [name, child] = latest;
  return `${name} transitioned to ${child.state} at ${isoAt(child.updatedAtMs)}`;
}
