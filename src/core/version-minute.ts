/**
 * One minute of one Lambda version behind an alias, as CloudWatch reports it (AWS/Lambda,
 * dimensions FunctionName, Resource=function:alias, ExecutedVersion, period 60 s): what the
 * statistical one-box analysis compares between the previous and the new version.
 */
export interface VersionMinute {
  /** Start of the minute, ms since the epoch. */
  readonly startMs: number;
  /** `Invocations`, Sum. */
  readonly invocations: number;
  /** `Errors`, Sum. */
  readonly errors: number;
  /** `Duration`, p50, ms; absent when the minute had no invocation. */
  readonly p50Ms?: number;
  /** `Duration`, p99, ms; absent when the minute had no invocation. */
  readonly p99Ms?: number;
}
