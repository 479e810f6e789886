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
