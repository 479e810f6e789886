import { DateTime } from 'luxon';
import type { AlarmStateValue } from './alarm-state.js';
import type { WindowState } from './windows.js';

/*
 * Blockers hold a wave before it starts: alarms in ALARM (the pipeline's aggregate alarms and the
 * organisation-wide ones), a closed time window, and manual blocks. They are assessed together,
 * every time: an alarm that fired while the window was closed still blocks when the window opens.
 * Blockers never hold a rollback or a wave that has already started.
 */

export interface AlarmReading {
  readonly name: string;
  readonly state: AlarmStateValue;
  /** When the alarm entered this state, if known (CloudWatch `StateUpdatedTimestamp`). */
  readonly sinceMs?: number;
}

export type ManualBlockScope =
  | { readonly kind: 'global' }
  | { readonly kind: 'pipeline'; readonly pipeline: string }
  | { readonly kind: 'wave'; readonly pipeline: string; readonly wave: string }
  | { readonly kind: 'target'; readonly pipeline: string; readonly target: string };

export interface ManualBlock {
  readonly id: string;
  readonly scope: ManualBlockScope;
  readonly reason: string;
  readonly author: string;
  readonly createdAtMs: number;
  /** The block lapses at this instant; absent means it stays until removed. */
  readonly expiresAtMs?: number;
}

/** A recorded decision to go ahead despite one blocker. */
export interface BlockerOverride {
  /** The blocker it applies to: `alarm:<name>`, `window` or `manual:<id>`. */
  readonly blockerId: string;
  readonly by: string;
  readonly reason: string;
  /**
   * Required to override an alarm blocker: alarm overrides exist only to ship the fix for that
   * alarm. An alarm override without it is reported as not applicable and does not count.
   */
  readonly fixesAlarm?: boolean;
}

/** What is about to start. */
export interface StartingUnit {
  readonly pipeline: string;
  readonly wave: string;
  /** The target being started, when starting one target. */
  readonly target?: string;
  /**
   * The wave's targets, when starting the whole wave: a block on any of them holds the wave.
   * Without `target` or `targets`, target-scoped blocks cannot match.
   */
  readonly targets?: readonly string[];
}

export interface BlockerInput {
  readonly alarms: readonly AlarmReading[];
  readonly window: WindowState;
  readonly manual: readonly ManualBlock[];
  readonly overrides: readonly BlockerOverride[];
  readonly nowMs: number;
  readonly starting: StartingUnit;
}

export type BlockerKind = 'alarm' | 'window' | 'manual';

export interface Blocker {
  /** `alarm:<name>`, `window` or `manual:<id>`; what an override names. */
  readonly id: string;
  readonly kind: BlockerKind;
  readonly description: string;
  /** Since when it blocks, when known. */
  readonly since?: number;
  /** When it is expected to clear by itself (the window's next opening, a manual block's expiry). */
  readonly until?: number;
  /** Who overrode it; an overridden blocker no longer holds the start. */
  readonly overriddenBy?: string;
  readonly overrideReason?: string;
}

export type BlockerNoteKind = 'alarm_insufficient_data' | 'override_not_applicable' | 'override_unmatched';

/** Something worth showing that does not block. */
export interface BlockerNote {
  readonly kind: BlockerNoteKind;
  /** The alarm or blocker id the note is about. */
  readonly subject: string;
  readonly message: string;
}

export interface BlockerAssessment {
  /** True when any blocker is not overridden. */
  readonly blocked: boolean;
  /** Every blocker found, overridden or not, in a stable order: alarms, window, manual. */
  readonly blockers: readonly Blocker[];
  readonly notes: readonly BlockerNote[];
}

/**
 * Decides whether a wave (or target) may start now. Pure: the caller reads alarms, evaluates the
 * window and loads manual blocks and overrides, then records the result.
 *
 * @example
 * assessBlockers({
 *   alarms: [{ name: 'payments-errors', state: 'ALARM' }],
 *   window: { open: true },
 *   manual: [],
 *   overrides: [],
 *   nowMs,
 *   starting: { pipeline: 'payments', wave: 'wave-1' },
 * }) // { blocked: true, blockers: [{ id: 'alarm:payments-errors', kind: 'alarm', ... }], notes: [] }
 */
export function assessBlockers(input: BlockerInput): BlockerAssessment {
  const found: Blocker[] = [];
  const notes: BlockerNote[] = [];

  for (const alarm of input.alarms) {
    if (alarm.state === 'ALARM') {
      found.push({
        id: `alarm:${alarm.name}`,
        kind: 'alarm',
        description: `alarm "${alarm.name}" is in ALARM`,
        ...(alarm.sinceMs !== undefined ? { since: alarm.sinceMs } : {}),
      });
    } else if (alarm.state === 'INSUFFICIENT_DATA') {
      notes.push({
        kind: 'alarm_insufficient_data',
        subject: `alarm:${alarm.name}`,
        message: `alarm "${alarm.name}" has INSUFFICIENT_DATA: not blocking, but it cannot vouch for health either`,
      });
    }
  }

  if (!input.window.open) {
    const next = input.window.nextOpenMs;
    found.push({
      id: 'window',
      kind: 'window',
      description:
        `time window closed: ${input.window.reason ?? 'closed'}` +
        (next === undefined ? '' : `; opens ${isoUtc(next)}`),
      ...(next !== undefined ? { until: next } : {}),
    });
  }

  for (const block of input.manual) {
    if (block.expiresAtMs !== undefined && block.expiresAtMs <= input.nowMs) continue;
    if (!scopeMatches(block.scope, input.starting)) continue;
    found.push({
      id: `manual:${block.id}`,
      kind: 'manual',
      description: `blocked by ${block.author} (${describeScope(block.scope)}): ${block.reason}`,
      since: block.createdAtMs,
      ...(block.expiresAtMs !== undefined ? { until: block.expiresAtMs } : {}),
    });
  }

  const blockers = found.map((blocker) => {
    const applicable = input.overrides.find(
      (o) => o.blockerId === blocker.id && (blocker.kind !== 'alarm' || o.fixesAlarm === true),
    );
    return applicable
      ? { ...blocker, overriddenBy: applicable.by, overrideReason: applicable.reason }
      : blocker;
  });

  for (const o of input.overrides) {
    const blocker = found.find((b) => b.id === o.blockerId);
    if (!blocker) {
      notes.push({
        kind: 'override_unmatched',
        subject: o.blockerId,
        message: `override by ${o.by} names "${o.blockerId}", which is not blocking this start`,
      });
    } else if (blocker.kind === 'alarm' && o.fixesAlarm !== true) {
      notes.push({
        kind: 'override_not_applicable',
        subject: o.blockerId,
        message:
          `override by ${o.by} of ${o.blockerId} does not count: alarm blockers can only be overridden to ` +
          'ship the fix for that alarm (fixesAlarm: true)',
      });
    }
  }

  return { blocked: blockers.some((b) => b.overriddenBy === undefined), blockers, notes };
}

/**
 * Rollbacks are never held by blockers — not by alarms (they are usually why we roll back), not
 * by a closed window, not by a manual block. Stated as a function so property tests and the
 * workflow can refer to the rule.
 */
export function isRollbackBlocked(): false {
  return false;
}

function scopeMatches(scope: ManualBlockScope, starting: StartingUnit): boolean {
  switch (scope.kind) {
    case 'global':
      return true;
    case 'pipeline':
      return scope.pipeline === starting.pipeline;
    case 'wave':
      return scope.pipeline === starting.pipeline && scope.wave === starting.wave;
    case 'target':
      return (
        scope.pipeline === starting.pipeline &&
        (scope.target === starting.target || (starting.targets?.includes(scope.target) ?? false))
      );
  }
}

function describeScope(scope: ManualBlockScope): string {
  switch (scope.kind) {
    case 'global':
      return 'all pipelines';
    case 'pipeline':
      return `pipeline ${scope.pipeline}`;
    case 'wave':
      return `wave ${scope.pipeline}/${scope.wave}`;
    case 'target':
      return `target ${scope.pipeline}/${scope.target}`;
  }
}

function isoUtc(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO() ?? String(ms);
}
