import { createHash } from 'node:crypto';
import { AliasConflictError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { AliasRef, AliasState, AliasUpdate, CodeSource, PublishedVersion } from '../../ports/fleet.js';

/*
 * Lambda functions, versions and aliases with the service's rules: an alias routes to one
 * primary version plus at most one additional version with a weight in [0, 1), never to
 * $LATEST when routing; every UpdateAlias changes the RevisionId and a stale one is refused;
 * PublishVersion of unchanged code returns the latest version instead of a new one.
 */

/** A published version of a function. */
export interface FunctionVersion {
  readonly version: string;
  readonly codeSha256: string;
  /** Where the code came from: `s3://bucket/key` or the image URI. */
  readonly codeLocation: string;
  readonly description: string;
  readonly publishedAtMs: number;
  /** Versions published during the simulation are candidates; the ones there at the start are baseline. */
  readonly role: 'baseline' | 'candidate';
}

/** One alias routing, in effect from `atMs` until the next entry. */
export interface RoutingChange {
  readonly atMs: number;
  readonly functionVersion: string;
  readonly additional: { readonly version: string; readonly weight: number } | null;
  readonly revisionId: string;
}

interface LambdaFunction {
  readonly account: string;
  readonly region: string;
  readonly name: string;
  readonly versions: Map<string, FunctionVersion>;
  /** Code currently in $LATEST; publishing copies it into a numbered version. */
  latestCode: { readonly location: string; readonly sha256: string };
  lastPublished: number;
  readonly aliases: Map<string, AliasRecord>;
}

/** An alias and every routing it has had, oldest first. */
export interface AliasRecord {
  readonly functionKey: string;
  readonly name: string;
  readonly history: RoutingChange[];
}

const LATEST = '$LATEST';

function functionKey(ref: { account: string; region: string; functionName: string }): string {
  return `${ref.account}/${ref.region}/${ref.functionName}`;
}

function functionArn(
  ref: { account: string; region: string; functionName: string },
  qualifier?: string,
): string {
  const base = `arn:aws:lambda:${ref.region}:${ref.account}:function:${ref.functionName}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

function sha256Base64(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

function codeLocation(code: CodeSource): string {
  return 'imageUri' in code ? code.imageUri : `s3://${code.s3Bucket}/${code.s3Key}`;
}

/** The simulated Lambda control plane of every account and region in the fleet. */
export class LambdaService {
  private readonly functions = new Map<string, LambdaFunction>();
  private revisions = 0;

  /**
   * Creates a function with versions 1..`initialVersion` already published (each with its own
   * code), unless it exists; the simulator calls this once per target before creating aliases.
   */
  ensureFunction(ref: Omit<AliasRef, 'alias'>, initialVersion: number, atMs: number): void {
    const key = functionKey(ref);
    let fn = this.functions.get(key);
    if (!fn) {
      fn = {
        account: ref.account,
        region: ref.region,
        name: ref.functionName,
        versions: new Map(),
        latestCode: { location: '', sha256: '' },
        lastPublished: 0,
        aliases: new Map(),
      };
      this.functions.set(key, fn);
    }
    while (fn.lastPublished < initialVersion) {
      const location = `s3://breakwater-simulated-artifacts/${ref.functionName}/v${fn.lastPublished + 1}.zip`;
      fn.latestCode = { location, sha256: sha256Base64(location) };
      this.publish(fn, 'initial version', 'baseline', atMs);
    }
  }

  /** Creates an alias routing all traffic to `version`. */
  createAlias(ref: AliasRef, version: string, atMs: number): AliasRecord {
    const fn = this.functionOf(ref);
    this.versionOf(fn, ref, version);
    const record: AliasRecord = { functionKey: functionKey(ref), name: ref.alias, history: [] };
    record.history.push({
      atMs,
      functionVersion: version,
      additional: null,
      revisionId: this.nextRevisionId(),
    });
    fn.aliases.set(ref.alias, record);
    return record;
  }

  /** The alias record (for history and routing lookups). Throws NotFoundError. */
  aliasRecord(ref: AliasRef): AliasRecord {
    const record = this.functionOf(ref).aliases.get(ref.alias);
    if (!record) throw new NotFoundError(`Alias not found: ${functionArn(ref, ref.alias)}`);
    return record;
  }

  /** GetAlias. */
  getAlias(ref: AliasRef): AliasState {
    return toAliasState(currentRouting(this.aliasRecord(ref)));
  }

  /** UpdateAlias with Lambda's validation; every call records a new routing and RevisionId. */
  updateAlias(ref: AliasRef, update: AliasUpdate, atMs: number): AliasState {
    const fn = this.functionOf(ref);
    const record = this.aliasRecord(ref);
    const current = currentRouting(record);
    if (update.revisionId !== current.revisionId) {
      throw new AliasConflictError(
        `The RevisionId provided (${update.revisionId}) does not match the latest RevisionId of ` +
          `${functionArn(ref, ref.alias)} (${current.revisionId}). Call GetAlias to get the latest RevisionId.`,
      );
    }
    validateRouting(update, ref);
    this.versionOf(fn, ref, update.functionVersion);
    if (update.additional) this.versionOf(fn, ref, update.additional.version);
    const change: RoutingChange = {
      atMs,
      functionVersion: update.functionVersion,
      additional: update.additional
        ? { version: update.additional.version, weight: update.additional.weight }
        : null,
      revisionId: this.nextRevisionId(),
    };
    record.history.push(change);
    return toAliasState(change);
  }

  /** GetFunctionConfiguration with a version qualifier. Throws NotFoundError. */
  getVersion(ref: Omit<AliasRef, 'alias'>, version: string): FunctionVersion {
    return this.versionOf(this.functionOf(ref), ref, version);
  }

  /** Every published version of the function, oldest first. */
  listVersions(ref: Omit<AliasRef, 'alias'>): FunctionVersion[] {
    return [...this.functionOf(ref).versions.values()];
  }

  /**
   * UpdateFunctionCode (when `code` is given) then PublishVersion. Unchanged code returns the
   * latest published version, as Lambda does, so a retried publish creates nothing new.
   */
  publishVersion(
    ref: Omit<AliasRef, 'alias'>,
    request: { readonly code?: CodeSource; readonly description: string },
    atMs: number,
  ): PublishedVersion {
    const fn = this.functionOf(ref);
    if (request.code) {
      const location = codeLocation(request.code);
      if (location !== fn.latestCode.location) fn.latestCode = { location, sha256: sha256Base64(location) };
    }
    const latest = fn.versions.get(String(fn.lastPublished));
    if (latest && latest.codeSha256 === fn.latestCode.sha256) {
      return { version: latest.version, codeSha256: latest.codeSha256 };
    }
    const published = this.publish(fn, request.description, 'candidate', atMs);
    return { version: published.version, codeSha256: published.codeSha256 };
  }

  /** Whether `version` is one published during the simulation (the new code). */
  isCandidate(record: AliasRecord, version: string): boolean {
    return this.functions.get(record.functionKey)?.versions.get(version)?.role === 'candidate';
  }

  private publish(
    fn: LambdaFunction,
    description: string,
    role: FunctionVersion['role'],
    atMs: number,
  ): FunctionVersion {
    fn.lastPublished += 1;
    const version: FunctionVersion = {
      version: String(fn.lastPublished),
      codeSha256: fn.latestCode.sha256,
      codeLocation: fn.latestCode.location,
      description,
      publishedAtMs: atMs,
      role,
    };
    fn.versions.set(version.version, version);
    return version;
  }

  private functionOf(ref: { account: string; region: string; functionName: string }): LambdaFunction {
    const fn = this.functions.get(functionKey(ref));
    if (!fn) throw new NotFoundError(`Function not found: ${functionArn(ref)}`);
    return fn;
  }

  private versionOf(
    fn: LambdaFunction,
    ref: { account: string; region: string; functionName: string },
    version: string,
  ): FunctionVersion {
    const found = fn.versions.get(version);
    if (!found) throw new NotFoundError(`Function not found: ${functionArn(ref, version)}`);
    return found;
  }

  /** Deterministic UUID-shaped RevisionIds, so two runs of a scenario are identical. */
  private nextRevisionId(): string {
    this.revisions += 1;
    return `00000000-0000-4000-8000-${this.revisions.toString(16).padStart(12, '0')}`;
  }
}

function validateRouting(update: AliasUpdate, ref: AliasRef): void {
  const issues: { path: string; message: string; received: unknown }[] = [];
  if (update.functionVersion === LATEST) {
    issues.push({
      path: 'functionVersion',
      message: 'an alias with traffic shifting cannot point to $LATEST; use a published version',
      received: update.functionVersion,
    });
  }
  const extra = update.additional;
  if (extra) {
    if (extra.version === LATEST) {
      issues.push({
        path: 'additional.version',
        message: 'cannot route to $LATEST',
        received: extra.version,
      });
    }
    if (extra.version === update.functionVersion) {
      issues.push({
        path: 'additional.version',
        message: `the additional version must differ from functionVersion (${update.functionVersion})`,
        received: extra.version,
      });
    }
    if (!(extra.weight >= 0 && extra.weight < 1)) {
      issues.push({
        path: 'additional.weight',
        message: `expected a weight from 0.0 up to (not including) 1.0, got ${extra.weight}`,
        received: extra.weight,
      });
    }
  }
  if (issues.length > 0) throw new InvalidInputError(`UpdateAlias ${functionArn(ref, ref.alias)}`, issues);
}

/** The routing in effect now (the last change). */
export function currentRouting(record: AliasRecord): RoutingChange {
  return record.history[record.history.length - 1] as RoutingChange;
}

/** Index of the routing in effect at `atMs`: the last change at or before it, else the first. */
export function routingIndexAt(history: readonly RoutingChange[], atMs: number): number {
  let lo = 0;
  let hi = history.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((history[mid] as RoutingChange).atMs <= atMs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The routing in effect at `atMs`. Binary search, because alarms look this up at every period. */
export function routingAt(record: AliasRecord, atMs: number): RoutingChange {
  return record.history[routingIndexAt(record.history, atMs)] as RoutingChange;
}

/** The version a one-box (ExecutedVersion) alarm watches: the additional one, else the primary. */
export function executedVersionOf(routing: RoutingChange): string {
  return routing.additional?.version ?? routing.functionVersion;
}

function toAliasState(change: RoutingChange): AliasState {
  return {
    functionVersion: change.functionVersion,
    additional: change.additional,
    revisionId: change.revisionId,
  };
}
