/*
 * Translation of AWS SDK v3 errors into Breakwater's domain errors. The adapters call this at
 * every SDK boundary so that handlers and Step Functions `Retry`/`Catch` only ever see the stable
 * names of src/core/errors.ts (`ThrottledError`, `TransientError` ...) and never an SDK class.
 */

import {
  AliasConflictError,
  BreakwaterError,
  NotFoundError,
  ThrottledError,
  TransientError,
} from '../../core/errors.js';

/** What was being done when an SDK call failed; used to word the domain error. */
export interface AwsCallContext {
  /** The API operation, e.g. `UpdateAlias`. */
  readonly operation: string;
  /** The resource it was applied to, e.g. `payments:live` or `3 alarms`. */
  readonly resource: string;
  /** Named in the message when given. */
  readonly region?: string;
  /** Named in the message when given: cross-account mistakes are otherwise hard to spot. */
  readonly account?: string;
  /**
   * SDK error names this call leaves as they are. A DynamoDB table's ResourceNotFoundException
   * means the table itself is missing (a deployment mistake: a 500), not that a record is absent
   * (a 404), so the store keeps it out of NotFoundError.
   */
  readonly untranslated?: readonly string[];
}

/**
 * Lambda's function update ended in `LastUpdateStatus: Failed` (bad image, KMS key, subnet ...).
 * Terminal: retrying publishes nothing new until someone fixes the function.
 */
export class FunctionUpdateFailedError extends BreakwaterError {}

// Error codes AWS services use for throttling. CloudWatch's `Throttling` and EC2-style
// `RequestLimitExceeded` are not modelled as classes, so they only show up as `name`.
const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

// PreconditionFailedException: the RevisionId we read is stale. ResourceConflictException: another
// update of the function or alias is in progress. Both mean "read again, then retry".
const CONFLICT_NAMES = new Set(['PreconditionFailedException', 'ResourceConflictException']);

const NOT_FOUND_NAMES = new Set(['ResourceNotFoundException', 'ResourceNotFound']);

const TRANSIENT_NAMES = new Set([
  'ServiceException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServiceFault',
  'InternalServerError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

// Node socket errors surface from the SDK's HTTP handler as plain errors with a `code`.
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $fault?: unknown;
  readonly $retryable?: { readonly throttling?: unknown };
}

/**
 * Turns an error thrown by an AWS SDK v3 call into the matching domain error, keeping the
 * original as `cause`. Errors it does not recognise (validation errors, access denied, and
 * errors that are already domain errors) are returned unchanged, so that a real bug is never
 * hidden behind a retry.
 *
 * @example
 * ```ts
 * try {
 *   await lambda.send(new UpdateAliasCommand(input));
 * } catch (error) {
 *   throw translateAwsError(error, { operation: 'UpdateAlias', resource: 'payments:live', region: 'us-east-1' });
 * }
 * ```
 */
export function translateAwsError(error: unknown, context: AwsCallContext): unknown {
  if (error instanceof BreakwaterError || typeof error !== 'object' || error === null) {
    return error;
  }
  const sdkError = error as SdkErrorShape;
  const name = typeof sdkError.name === 'string' ? sdkError.name : '';
  if (context.untranslated?.includes(name)) return error;
  const code = typeof sdkError.code === 'string' ? sdkError.code : '';
  const status = sdkError.$metadata?.httpStatusCode;
  const what = describeCall(context);
  const detail = describeOriginal(name, sdkError.message);
  const options = { cause: error };

  if (THROTTLING_NAMES.has(name) || sdkError.$retryable?.throttling === true || status === 429) {
    return new ThrottledError(`${what} was throttled${detail}`, options);
  }
  if (CONFLICT_NAMES.has(name)) {
    return new AliasConflictError(
      `${what} conflicted: the resource changed since it was read (RevisionId) or another update is in progress${detail}`,
      options,
    );
  }
  if (NOT_FOUND_NAMES.has(name)) {
    return new NotFoundError(`${what} failed: not found${detail}`, options);
  }
  if (
    TRANSIENT_NAMES.has(name) ||
    NETWORK_CODES.has(code) ||
    NETWORK_CODES.has(name) ||
    (typeof status === 'number' && status >= 500) ||
    sdkError.$fault === 'server'
  ) {
    const statusText = typeof status === 'number' ? ` with HTTP ${status}` : '';
    return new TransientError(`${what} failed transiently${statusText}${detail}`, options);
  }
  return error;
}

/**
 * Runs one SDK call and translates whatever it throws. Keeps each adapter method to the call
 * itself instead of a try/catch around every `send`.
 */
export async function withAwsErrors<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateAwsError(error, context);
  }
}

/**
 * Whether an SDK call failed with the named error: the outcomes an adapter expects and handles
 * itself (a lost DynamoDB condition, an execution that already exists), which the translator
 * leaves unchanged.
 *
 * @example if (isAwsError(error, 'ConditionalCheckFailedException')) return undefined;
 */
export function isAwsError(error: unknown, name: string): error is Error {
  return error instanceof Error && error.name === name;
}

function describeCall(context: AwsCallContext): string {
  const region = context.region === undefined ? '' : ` in ${context.region}`;
  const account = context.account === undefined ? '' : ` (account ${context.account})`;
  return `${context.operation} ${context.resource}${region}${account}`;
}

function describeOriginal(name: string, message: unknown): string {
  const text = typeof message === 'string' ? message : '';
  if (name === '' && text === '') {
    return '';
  }
  return ` (${[name, text].filter((part) => part !== '').join(': ')})`;
}
