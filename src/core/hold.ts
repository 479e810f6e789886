import { formatDuration } from './duration.js';

/** How long a deployment may wait for blockers, windows or alias locks before it gives up. */
export const DEFAULT_MAX_HOLD_SECONDS = 7 * 86_400;

export type HoldAssessment =
  | { readonly expired: false; readonly heldSeconds: number }
  | { readonly expired: true; readonly heldSeconds: number; readonly reason: string };

/**
 * Whether a hold that began at `sinceMs` has lasted longer than `maxHoldSeconds`. Pure.
 *
 * @example assessHold(Date.parse('2026-11-01T00:00Z'), Date.parse('2026-11-09T00:00Z'), 604_800, 'alarm x in ALARM').expired // true
 */
export function assessHold(
  sinceMs: number,
  nowMs: number,
  maxHoldSeconds: number,
  what: string,
): HoldAssessment {
  const heldSeconds = Math.max(0, (nowMs - sinceMs) / 1000);
  if (heldSeconds <= maxHoldSeconds) return { expired: false, heldSeconds };
  return {
    expired: true,
    heldSeconds,
    reason: `held for ${formatDuration(heldSeconds)}, longer than maxHold (${formatDuration(maxHoldSeconds)}): ${what}`,
  };
}

/** A hold as recorded on a deployment: since when, and which blocker kinds hold it since when. */
export interface HoldSegment {
  readonly since?: string;
  /** The blocker kinds holding now (alarm, window, manual, pipelining, lock), sorted. */
  readonly kinds?: readonly string[];
  /** Since when exactly these kinds hold. */
  readonly kindsSince?: string;
}

/**
 * The seconds held by kind once the current segment of a hold ends at `nowMs` (its kinds change,
 * or the hold ends): every kind of the segment is charged the segment's whole length. A hold
 * recorded before kinds were (only `since`) is charged to `unknown`. Pure.
 *
 * @example accrueHeld({ window: 60 }, { kinds: ['alarm', 'window'], kindsSince: '2026-11-01T00:00:00Z' }, Date.parse('2026-11-01T00:01:00Z'))
 * // { window: 120, alarm: 60 }
 */
export function accrueHeld(
  held: Readonly<Record<string, number>> | undefined,
  hold: HoldSegment | undefined,
  nowMs: number,
): Record<string, number> {
  const out: Record<string, number> = { ...held };
  const start = hold?.kindsSince ?? hold?.since;
  if (!start) return out;
  const seconds = Math.max(0, Math.round((nowMs - Date.parse(start)) / 1000));
  const kinds = hold?.kindsSince && hold.kinds && hold.kinds.length > 0 ? hold.kinds : ['unknown'];
  for (const kind of kinds) out[kind] = (out[kind] ?? 0) + seconds;
  return out;
}

/** Whether two sets of blocker kinds are the same (order and repeats aside). */
export function sameKinds(a: readonly string[] | undefined, b: readonly string[]): boolean {
  const x = [...new Set(a ?? [])].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((k, i) => k === y[i]);
}
