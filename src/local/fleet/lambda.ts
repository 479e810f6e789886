import { createHash } from 'node:crypto';
import {
  AliasConflictError,
  type BreakwaterError,
  InvalidInputError,
  NotFoundError,
} from '../../core/errors.js';
import type { AliasRef, AliasState, CodeSource, PublishedVersion } from '../../ports/fleet.js';

/*
 * Lambda functions, versions and aliases with the service's rules, as the Lambda API reference
 * states them: an alias points at a published version or $LATEST; its RoutingConfig adds at most
 * one more published version with a weight from 0.0 to 1.0, and cannot be used with $LATEST;
 * UpdateAlias checks the RevisionId only when one is given, and every update changes it;
 * PublishVersion of unchanged code returns the latest version instead of a new one.
 *
 * Errors are the domain errors the workflow handles (NotFoundError, InvalidInputError,
 * AliasConflictError), each carrying the name and message Lambda would have returned.
 */

/** The error names Lambda's alias and version operations return. */
export type LambdaErrorName =
  | 'ResourceNotFoundException'
  | 'InvalidParameterValueException'
  | 'ValidationException'
  | 'PreconditionFailedException'
  | 'ResourceConflictException';

/** What Lambda would have answered: its error name and message. */
export interface LambdaErrorDetail {
  readonly awsErrorName: LambdaErrorName;
  readonly awsMessage: string;
}

function withLambdaError<E extends BreakwaterError>(
  error: E,
  awsErrorName: LambdaErrorName,
  awsMessage: string,
): E & LambdaErrorDetail {
  return Object.assign(error, { awsErrorName, awsMessage });
}

/**
 * Lambda's error name and message for an error the simulated Lambda threw, if it is one.
 *
 * @example lambdaErrorOf(error)?.awsErrorName // 'PreconditionFailedException'
 */
export function lambdaErrorOf(error: unknown): LambdaErrorDetail | undefined {
  if (typeof error !== 'object' || error === null || !('awsErrorName' in error)) return undefined;
  const { awsErrorName, awsMessage } = error as LambdaErrorDetail;
  return { awsErrorName, awsMessage };
}

/** UpdateAlias's request body, as the Lambda API takes it (every field optional). */
export interface UpdateAliasRequest {
  /** `$LATEST` or a version number; absent keeps the current one. */
  readonly FunctionVersion?: string;
  /** At most 256 characters; absent keeps the current one. */
  readonly Description?: string;
  /** When given, the update fails unless it is the alias's current RevisionId; absent: unconditional. */
  readonly RevisionId?: string;
  /** Absent keeps the current routing; `{}` or an empty map clears it. */
  readonly RoutingConfig?: { readonly AdditionalVersionWeights?: Readonly<Record<string, number>> };
}

const DESCRIPTION_MAX = 256;
const VERSION_PATTERN = /^(\$LATEST|[0-9]+)$/;
const ADDITIONAL_VERSION_PATTERN = /^[0-9]+$/;

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
  description: string;
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

  /** CreateAlias routing all traffic to `version`. An alias of that name must not exist yet. */
  createAlias(ref: AliasRef, version: string, atMs: number): AliasRecord {
    const fn = this.functionOf(ref);
    if (fn.aliases.has(ref.alias)) {
      const message = `Alias already exists: ${functionArn(ref, ref.alias)}`;
      throw withLambdaError(new AliasConflictError(message), 'ResourceConflictException', message);
    }
    this.versionOf(fn, ref, version);
    const record: AliasRecord = {
      functionKey: functionKey(ref),
      name: ref.alias,
      history: [],
      description: '',
    };
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
    if (!record) {
      const message = `Cannot find alias arn: ${functionArn(ref, ref.alias)}`;
      throw withLambdaError(new NotFoundError(message), 'ResourceNotFoundException', message);
    }
    return record;
  }

  /** GetAlias. */
  getAlias(ref: AliasRef): AliasState {
    return toAliasState(currentRouting(this.aliasRecord(ref)));
  }

  /**
   * UpdateAlias with Lambda's validation, in Lambda's order: the request's constraints
   * (ValidationException), the function and alias (ResourceNotFoundException), the RevisionId
   * when given (PreconditionFailedException), the routing's rules (InvalidParameterValueException),
   * then the versions named (ResourceNotFoundException). Every call records a new routing and
   * RevisionId.
   *
   * @example
   * lambda.updateAlias(ref, { FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } }, now)
   */
  updateAlias(ref: AliasRef, request: UpdateAliasRequest, atMs: number): AliasState {
    const arn = functionArn(ref, ref.alias);
    const constraintErrors = requestConstraintErrors(request);
    if (constraintErrors.length > 0) {
      const count = constraintErrors.length;
      const message = `${count} validation error${count === 1 ? '' : 's'} detected: ${constraintErrors.map((e) => e.text).join('; ')}`;
      const issues = constraintErrors.map((e) => ({ path: e.path, message, received: e.received }));
      throw withLambdaError(
        new InvalidInputError(`UpdateAlias ${arn}`, issues),
        'ValidationException',
        message,
      );
    }
    const fn = this.functionOf(ref);
    const record = this.aliasRecord(ref);
    const current = currentRouting(record);
    if (request.RevisionId !== undefined && request.RevisionId !== current.revisionId) {
      const message =
        'The Revision Id provided does not match the latest Revision Id. ' +
        'Call the GetFunction/GetAlias API to retrieve the latest Revision Id';
      throw withLambdaError(new AliasConflictError(message), 'PreconditionFailedException', message);
    }
    const functionVersion = request.FunctionVersion ?? current.functionVersion;
    const weights = request.RoutingConfig
      ? Object.entries(request.RoutingConfig.AdditionalVersionWeights ?? {})
      : current.additional
        ? [[current.additional.version, current.additional.weight] as const]
        : [];
    const invalid = (path: string, message: string, received: unknown) =>
      withLambdaError(
        new InvalidInputError(`UpdateAlias ${arn}`, [{ path, message, received }]),
        'InvalidParameterValueException',
        message,
      );
    if (weights.length > 1) {
      throw invalid(
        'RoutingConfig.AdditionalVersionWeights',
        'Number of items in AdditionalVersionWeights cannot be greater than 1',
        Object.fromEntries(weights),
      );
    }
    const [extra] = weights;
    if (extra && extra[0] === functionVersion) {
      throw invalid(
        'RoutingConfig.AdditionalVersionWeights',
        `Invalid function version ${functionVersion}. Function version ${functionVersion} is already included in routing configuration.`,
        extra[0],
      );
    }
    if (extra && functionVersion === LATEST) {
      throw invalid(
        'FunctionVersion',
        '$LATEST is not supported for an alias pointing to more than 1 version',
        functionVersion,
      );
    }
    this.versionOf(fn, ref, functionVersion);
    if (extra) this.versionOf(fn, ref, extra[0]);
    const change: RoutingChange = {
      atMs,
      functionVersion,
      additional: extra ? { version: extra[0], weight: extra[1] } : null,
      revisionId: this.nextRevisionId(),
    };
    record.history.push(change);
    if (request.Description !== undefined) record.description = request.Description;
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

  /** Whether `version` runs code published during the simulation (the new code); $LATEST runs the last published. */
  isCandidate(record: AliasRecord, version: string): boolean {
    const fn = this.functions.get(record.functionKey);
    if (!fn) return false;
    return (version === LATEST ? latestOf(fn) : fn.versions.get(version))?.role === 'candidate';
  }

  /** The alias's description (CreateAlias leaves it empty). */
  aliasDescription(ref: AliasRef): string {
    return this.aliasRecord(ref).description;
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
    if (!fn) {
      const message = `Function not found: ${functionArn(ref)}`;
      throw withLambdaError(new NotFoundError(message), 'ResourceNotFoundException', message);
    }
    return fn;
  }

  private versionOf(
    fn: LambdaFunction,
    ref: { account: string; region: string; functionName: string },
    version: string,
  ): FunctionVersion {
    const found = version === LATEST ? latestOf(fn) : fn.versions.get(version);
    if (!found) {
      const message = `Function not found: ${functionArn(ref, version)}`;
      throw withLambdaError(new NotFoundError(message), 'ResourceNotFoundException', message);
    }
    return found;
  }

  /** Deterministic UUID-shaped RevisionIds, so two runs of a scenario are identical. */
  private nextRevisionId(): string {
    this.revisions += 1;
    return `00000000-0000-4000-8000-${this.revisions.toString(16).padStart(12, '0')}`;
  }
}

/** One constraint of the UpdateAlias request model that the request breaks, worded as Lambda words it. */
interface ConstraintError {
  readonly path: string;
  readonly text: string;
  readonly received: unknown;
}

/** The request's violations of Lambda's API model (lengths, patterns, ranges): a ValidationException. */
function requestConstraintErrors(request: UpdateAliasRequest): ConstraintError[] {
  const errors: ConstraintError[] = [];
  const version = request.FunctionVersion;
  if (version !== undefined && !VERSION_PATTERN.test(version)) {
    errors.push({
      path: 'FunctionVersion',
      text: `Value '${version}' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)`,
      received: version,
    });
  }
  const description = request.Description;
  if (description !== undefined && description.length > DESCRIPTION_MAX) {
    errors.push({
      path: 'Description',
      text: `Value '${description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to ${DESCRIPTION_MAX}`,
      received: description,
    });
  }
  for (const [key, weight] of Object.entries(request.RoutingConfig?.AdditionalVersionWeights ?? {})) {
    const shown = `Value '{${key}=${weight}}' at 'routingConfig.additionalVersionWeights'`;
    if (!ADDITIONAL_VERSION_PATTERN.test(key) || key.length > 1024) {
      errors.push({
        path: 'RoutingConfig.AdditionalVersionWeights',
        text:
          `${shown} failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than ` +
          'or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular ' +
          'expression pattern: [0-9]+, Member must not be null]',
        received: key,
      });
    }
    if (!(weight >= 0 && weight <= 1)) {
      errors.push({
        path: `RoutingConfig.AdditionalVersionWeights.${key}`,
        text:
          `${shown} failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less ` +
          'than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]',
        received: weight,
      });
    }
  }
  return errors;
}

/** What $LATEST runs: the function's current code, which is the last published version's (publishing always follows a code update here). */
function latestOf(fn: LambdaFunction): FunctionVersion | undefined {
  const published = fn.versions.get(String(fn.lastPublished));
  if (!published) return undefined;
  return { ...published, version: LATEST, description: '' };
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
