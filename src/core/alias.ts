import { UnsafeTargetStateError } from './errors.js';

/** What an alias routes to, in the core's terms (weight in percent). */
export interface Routing {
  readonly primary: string;
  readonly candidate: { readonly version: string; readonly weight: number } | null;
}

/** The routing a deployment wants on a target at `weight` percent of the new version. */
export function desiredRouting(previousVersion: string, newVersion: string, weight: number): Routing {
  if (weight >= 100 || previousVersion === newVersion) return { primary: newVersion, candidate: null };
  if (weight <= 0) return { primary: previousVersion, candidate: null };
  return { primary: previousVersion, candidate: { version: newVersion, weight } };
}

export function sameRouting(a: Routing, b: Routing): boolean {
  return (
    a.primary === b.primary &&
    (a.candidate === null
      ? b.candidate === null
      : b.candidate !== null &&
        a.candidate.version === b.candidate.version &&
        Math.abs(a.candidate.weight - b.candidate.weight) < 1e-9)
  );
}

/** A routing as people read it: `v3 at 100%`, `v2 + 10% on v3`. */
export function describeRouting(r: Routing): string {
  return r.candidate
    ? `v${r.primary} + ${r.candidate.weight}% on v${r.candidate.version}`
    : `v${r.primary} at 100%`;
}

/**
 * True when the alias is in a state this deployment may have produced. `inherited` are versions
 * older deployments put there before this one took over (a rollback may meet them, see decideRollback).
 */
function isOurs(
  current: Routing,
  previousVersion: string,
  newVersion: string,
  inherited: readonly string[] = [],
): boolean {
  const versions = new Set([previousVersion, newVersion, ...inherited]);
  return (
    versions.has(current.primary) && (current.candidate === null || current.candidate.version === newVersion)
  );
}

/**
 * Decides the alias update for a weight step: `null` when the alias is already there (a retried
 * step is a no-op). Refuses an alias that routes to a version this deployment did not put there.
 */
export function decideShift(
  current: Routing,
  previousVersion: string,
  newVersion: string,
  weight: number,
): Routing | null {
  if (!isOurs(current, previousVersion, newVersion)) {
    throw new UnsafeTargetStateError(
      `alias routes ${describeRouting(current)}, expected only v${previousVersion} and v${newVersion}: someone else changed it`,
    );
  }
  const want = desiredRouting(previousVersion, newVersion, weight);
  return sameRouting(current, want) ? null : want;
}

/**
 * Decides a rollback: everything back on the previous version at 100 %. `null` when there is
 * nothing to do (already back, or never shifted). An alias now routing to a third version is
 * left alone — someone else owns it — and reported.
 */
export function decideRollback(
  current: Routing,
  previousVersion: string,
  newVersion: string,
  /**
   * Versions between `previousVersion` and `newVersion` that older changes put on the alias and
   * have since withdrawn (they rolled back while this one held the alias): also taken off.
   */
  withdrawn: readonly string[] = [],
): { action: 'none' } | { action: 'revert'; to: Routing } | { action: 'foreign'; detail: string } {
  const target: Routing = { primary: previousVersion, candidate: null };
  if (sameRouting(current, target)) return { action: 'none' };
  if (!isOurs(current, previousVersion, newVersion, withdrawn))
    return { action: 'foreign', detail: describeRouting(current) };
  return { action: 'revert', to: target };
}

/**
 * Decides what a target's alias must look like before a deployment starts on it: the version
 * serving all traffic becomes `previousVersion`. An alias already splitting traffic with another
 * version is another deployment or a manual canary: refuse rather than guess.
 */
export function decidePrepare(current: Routing, newVersion: string): { previousVersion: string } {
  if (current.candidate && current.candidate.version !== newVersion) {
    throw new UnsafeTargetStateError(
      `alias already routes ${describeRouting(current)}: another rollout is in progress on it; refusing to guess which version serves`,
    );
  }
  return { previousVersion: current.primary };
}
