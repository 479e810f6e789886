/** One alias the simulated fleet serves: a pipeline target plus the wave it belongs to. */
export interface FleetTarget {
  readonly id: string;
  readonly waveName: string;
  readonly account: string;
  readonly region: string;
  readonly cell?: string;
  readonly functionName: string;
  readonly alias: string;
  /**
   * The version the alias routes to at the start; versions 1..initialVersion exist already.
   * @default "1"
   */
  readonly initialVersion?: string;
}

/** Milliseconds in a minute: the resolution of every simulated metric. */
export const MINUTE_MS = 60_000;

/** Whether a scenario selector list (`['*']`, target ids, wave names) picks this target. */
export function selectsTarget(selectors: readonly string[], target: FleetTarget): boolean {
  return selectors.some((s) => s === '*' || s === target.id || s === target.waveName);
}
