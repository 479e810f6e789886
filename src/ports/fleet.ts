import type { AlarmStateValue } from '../core/alarm-state.js';
import type { VersionMinute } from '../core/version-minute.js';

/*
 * Ports to the fleet being deployed: Lambda aliases (traffic), CloudWatch alarms, and metric
 * data points. Mirrors AWS semantics: weights here are fractions 0.0-1.0 as in Lambda's
 * RoutingConfig.AdditionalVersionWeights; the core speaks percent.
 */

/** Where a call goes: the account and region that own the resource. */
export interface Scope {
  readonly account: string;
  readonly region: string;
}

/** A Lambda alias that receives traffic. */
export interface AliasRef extends Scope {
  readonly functionName: string;
  readonly alias: string;
}

/** What an alias routes to. `additional` is the one extra version Lambda allows, with its weight. */
export interface AliasState {
  readonly functionVersion: string;
  readonly additional: { readonly version: string; readonly weight: number } | null;
  readonly revisionId: string;
}

export interface AliasUpdate {
  readonly functionVersion: string;
  /** `null` clears RoutingConfig (all traffic on functionVersion). */
  readonly additional: { readonly version: string; readonly weight: number } | null;
  /** The RevisionId read before; the update fails with AliasConflictError if it changed. */
  readonly revisionId: string;
  /**
   * Sets the alias description too. A rollback writes one on every alias it fences, so the
   * RevisionId changes even when the routing does not (see `revertTarget`).
   */
  readonly description?: string;
}

/** Where new code comes from when the pipeline publishes versions itself. */
export type CodeSource =
  | { readonly s3Bucket: string; readonly s3Key: string }
  | { readonly imageUri: string };

export interface PublishedVersion {
  readonly version: string;
  readonly codeSha256: string;
}

/**
 * Moves traffic between Lambda versions behind an alias.
 * Errors: NotFoundError, AliasConflictError (RevisionId changed), ThrottledError, TransientError.
 */
export interface TrafficRouter {
  getAlias(alias: AliasRef): Promise<AliasState>;
  updateAlias(alias: AliasRef, update: AliasUpdate): Promise<AliasState>;
  /** Fails with NotFoundError when the version does not exist. */
  assertVersionExists(alias: AliasRef, version: string): Promise<void>;
  /**
   * Updates the function's code (when `code` is given) and publishes a version. Idempotent:
   * publishing unchanged code returns the existing latest version, as Lambda does.
   */
  publishVersion(
    alias: AliasRef,
    request: { readonly code?: CodeSource; readonly description: string },
  ): Promise<PublishedVersion>;
}

export interface AlarmReading {
  readonly name: string;
  readonly kind: 'metric' | 'composite';
  readonly state: AlarmStateValue;
  readonly reason: string;
  /** Epoch ms of the last state change. */
  readonly updatedAtMs: number;
}

/**
 * Reads CloudWatch alarm states, metric and composite. Names that do not exist are absent from
 * the result. Implementations batch (DescribeAlarms takes up to 100 names per call).
 */
export interface AlarmSource {
  describeAlarms(scope: Scope, names: readonly string[]): Promise<AlarmReading[]>;
}

/** Invocations served by one version behind an alias, over [startMs, endMs). */
export interface InvocationQuery {
  /** Caller's id for the answer; unique within one call. */
  readonly id: string;
  readonly functionName: string;
  readonly alias: string;
  readonly version: string;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Per-version AWS/Lambda metrics behind an alias (dimensions FunctionName,
 * Resource=function:alias, ExecutedVersion). Implementations batch (GetMetricData takes up to
 * 500 metric queries per call) and follow every page. Ids must be unique within one call
 * (InvalidInputError otherwise); every id is in the answer.
 */
export interface MetricSource {
  /** Data points: `Invocations`, Sum, over each query's window; 0 when nothing was published. */
  countInvocations(scope: Scope, queries: readonly InvocationQuery[]): Promise<Record<string, number>>;
  /**
   * Each query's minutes (period 60 s) that start in [startMs, endMs) and have ended, oldest
   * first: `Invocations` and `Errors` Sum, `Duration` p50 and p99 of that version. Minutes without
   * data are absent, as CloudWatch omits them (a version that served nothing has none); an
   * unknown alias or version answers `[]`. What the statistical one-box analysis compares.
   *
   * @example
   * const minutes = await metrics.versionMinutes(scope, [
   *   { id: 'old', functionName: 'payments', alias: 'live', version: '7', startMs, endMs },
   *   { id: 'new', functionName: 'payments', alias: 'live', version: '8', startMs, endMs },
   * ]);
   * minutes.new; // [{ startMs, invocations: 60, errors: 1, p50Ms: 98, p99Ms: 176 }, ...]
   */
  versionMinutes(scope: Scope, queries: readonly InvocationQuery[]): Promise<Record<string, VersionMinute[]>>;
}
