/**
 * Domain errors. Each carries a stable `name` so Step Functions `Retry`/`Catch` can match it
 * (the Lambda runtime reports `error.name` as the error type) and so callers can branch on it.
 */
export class BreakwaterError extends Error {
  /**
   * Whether retrying the same call later may succeed, for every error of the class. A class,
   * not an instance, property: the state machines' Retry lists are built from it
   * ({@link RETRYABLE_ERROR_NAMES}).
   */
  static readonly retryable: boolean = false;
  /** Whether retrying the same call later may succeed (the class's `retryable`). */
  readonly retryable: boolean;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.retryable = new.target.retryable;
  }
}

/** One problem found in user input, with the path into the document. */
export interface InputIssue {
  readonly path: string;
  readonly message: string;
  readonly received?: unknown;
  readonly expected?: string;
}

/** User input (a pipeline, a scenario, a start request) is invalid. Carries every issue at once. */
export class InvalidInputError extends BreakwaterError {
  constructor(
    readonly what: string,
    readonly issues: readonly InputIssue[],
  ) {
    super(`${what} is invalid:\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
  }
}

export function formatIssue(issue: InputIssue): string {
  const where = issue.path === '' ? '(root)' : issue.path;
  return `${where}: ${issue.message}`;
}

/** A call was throttled or failed transiently; Step Functions retries it with back-off. */
export class ThrottledError extends BreakwaterError {
  static override readonly retryable = true;
}

/** A dependency failed in a way that may pass (network, 5xx). Retried with back-off. */
export class TransientError extends BreakwaterError {
  static override readonly retryable = true;
}

/** Someone else changed the alias between our read and our write (RevisionId mismatch). */
export class AliasConflictError extends BreakwaterError {
  static override readonly retryable = true;
}

/**
 * The error names Step Functions retries with back-off: the classes of this module whose
 * `retryable` is true (a test holds the two together). Every other name is terminal: a step
 * that throws it is caught and the wave rolls back, and a rollback that throws it stops at once.
 *
 * @example RETRYABLE_ERROR_NAMES // ['ThrottledError', 'TransientError', 'AliasConflictError']
 */
export const RETRYABLE_ERROR_NAMES: readonly string[] = [
  ThrottledError,
  TransientError,
  AliasConflictError,
].map((errorClass) => errorClass.name);

/** A target function, alias, alarm or record that must exist does not. Terminal. */
export class NotFoundError extends BreakwaterError {}

/** The alias is in a state Breakwater must not touch (e.g. routes to a version it did not put there). */
export class UnsafeTargetStateError extends BreakwaterError {}

/** A conditional write lost: the record exists or changed. Carries what is there now when known. */
export class ConflictError extends BreakwaterError {
  constructor(
    message: string,
    readonly existing?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Someone asked to stop the deployment. Terminal: the workflow rolls back, never retries. */
export class DeploymentCancelledError extends BreakwaterError {}

/**
 * A rollback of this deployment has begun (an alarm event, a failed check, a stop): no step may
 * move traffic forward any more. Terminal: the workflow goes to its rollback path.
 */
export class RollbackStartedError extends BreakwaterError {}

/** A deployment waited for blockers, windows or locks longer than its pipeline's maxHold. Terminal. */
export class HoldExpiredError extends BreakwaterError {}

/** A deployment hook answered "failed" or not at all. Terminal: the workflow rolls back. */
export class HookFailedError extends BreakwaterError {}
