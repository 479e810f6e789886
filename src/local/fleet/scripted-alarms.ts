import type { AlarmReading, Scope } from '../../ports/fleet.js';
import type { Scenario, ScenarioBlocker } from '../scenario.js';
import type { AlarmChange } from './alarms.js';
import type { FleetTarget } from './types.js';

/*
 * Alarms the scenario scripts (`blockers` of kind "alarm"): held in ALARM from `at` until
 * `until`, OK otherwise. To the workflow they are alarms like any other: DescribeAlarms answers
 * with them (ahead of an evaluated alarm of the same name), and their state changes reach
 * `onAlarmChange` listeners — and so the event bus — at the instants the scenario gives.
 */

type AlarmBlocker = Extract<ScenarioBlocker, { kind: 'alarm' }>;

const OK_REASON = 'scripted by the scenario';

function key(account: string, region: string, name: string): string {
  return `${account}\u0000${region}\u0000${name}`;
}

/** The scenario's scripted alarms: their readings at any time and their changes in time order. */
export class ScriptedAlarms {
  private readonly blockers: readonly AlarmBlocker[];
  private readonly keys = new Set<string>();
  /** Every change at or after the start, in time order. */
  private readonly changes: AlarmChange[];
  private next = 0;

  constructor(
    private readonly scenario: Scenario,
    targets: readonly FleetTarget[],
  ) {
    this.blockers = scenario.blockers.filter((b): b is AlarmBlocker => b.kind === 'alarm');
    const accountsByRegion = new Map<string, Set<string>>();
    for (const t of targets) {
      const accounts = accountsByRegion.get(t.region) ?? new Set<string>();
      accounts.add(t.account);
      accountsByRegion.set(t.region, accounts);
    }
    const scopes = new Map<string, { account: string; region: string; name: string }>();
    for (const b of this.blockers) {
      const accounts = b.account ? [b.account] : [...(accountsByRegion.get(b.region) ?? [])];
      for (const account of accounts) {
        scopes.set(key(account, b.region, b.name), { account, region: b.region, name: b.name });
      }
    }
    for (const k of scopes.keys()) this.keys.add(k);
    this.changes = [...scopes.values()]
      .flatMap((scope) => this.timeline(scope))
      .sort((a, b) => a.atMs - b.atMs);
  }

  /** Whether the scenario scripts this alarm (so an evaluated alarm of that name is hidden). */
  scripts(account: string, region: string, name: string): boolean {
    return this.keys.has(key(account, region, name));
  }

  /** The scripted alarm's reading at `nowMs`, or undefined when the scenario does not script it. */
  reading(scope: Scope, name: string, nowMs: number): AlarmReading | undefined {
    const spans = this.spansOf(scope.account, scope.region, name);
    if (spans.length === 0) return undefined;
    const active = activeAt(spans, nowMs);
    if (active)
      return { name, kind: 'metric', state: 'ALARM', reason: active.reason, updatedAtMs: active.atMs };
    const ended = spans.map((b) => b.untilMs ?? 0).filter((u) => u <= nowMs);
    return {
      name,
      kind: 'metric',
      state: 'OK',
      reason: OK_REASON,
      updatedAtMs: Math.max(this.scenario.startMs, ...ended),
    };
  }

  /** The changes with `atMs` ≤ `throughMs` not taken yet, in time order. */
  takeThrough(throughMs: number): AlarmChange[] {
    const taken: AlarmChange[] = [];
    while (this.next < this.changes.length && (this.changes[this.next] as AlarmChange).atMs <= throughMs) {
      taken.push(this.changes[this.next] as AlarmChange);
      this.next++;
    }
    return taken;
  }

  private spansOf(account: string, region: string, name: string): AlarmBlocker[] {
    return this.blockers.filter(
      (b) => b.name === name && b.region === region && (!b.account || b.account === account),
    );
  }

  /** State changes of one scripted alarm from the start on; one held in ALARM since before it has none then. */
  private timeline(scope: { account: string; region: string; name: string }): AlarmChange[] {
    const { startMs } = this.scenario;
    const spans = this.spansOf(scope.account, scope.region, scope.name);
    const instants = [
      ...new Set(spans.flatMap((b) => [b.atMs, ...(b.untilMs === undefined ? [] : [b.untilMs])])),
    ]
      .filter((t) => t >= startMs)
      .sort((a, b) => a - b);
    const before = activeAt(spans, startMs - 1);
    let state: { active: AlarmBlocker | undefined; sinceMs: number } = {
      active: before,
      sinceMs: before ? before.atMs : startMs,
    };
    const changes: AlarmChange[] = [];
    for (const atMs of instants) {
      const active = activeAt(spans, atMs);
      if (Boolean(active) === Boolean(state.active)) continue;
      changes.push({
        ...scope,
        kind: 'metric',
        from: state.active ? 'ALARM' : 'OK',
        to: active ? 'ALARM' : 'OK',
        reason: active ? active.reason : OK_REASON,
        atMs,
        previousReason: state.active ? state.active.reason : OK_REASON,
        previousAtMs: state.sinceMs,
        scripted: true,
      });
      state = { active, sinceMs: atMs };
    }
    return changes;
  }
}

function activeAt(spans: readonly AlarmBlocker[], atMs: number): AlarmBlocker | undefined {
  return spans.find((b) => b.atMs <= atMs && (b.untilMs === undefined || atMs < b.untilMs));
}
