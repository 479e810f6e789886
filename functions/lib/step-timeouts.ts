/*
 * How long one step may take, in one place. The step Lambdas bound their in-handler waits with it
 * (functions/lib/aws-deps.ts), the CDK app sets each Lambda's timeout from it
 * (infra/constructs/control-plane.ts) and scripts/gen-asl.ts each Task's TimeoutSeconds:
 *
 *   in-handler waits  <  Lambda timeout  <  Task TimeoutSeconds
 *
 *   |-- wait for the code update --|-- wait for the version --|-- calls --|           Lambda
 *   |<----------------------- Lambda timeout ------------------------------>|
 *   |<------------------------------ Task TimeoutSeconds -------------------------------->|
 *
 * A handler gives up on its waits (TransientError, retried) before Lambda kills it, and Lambda
 * kills it before Step Functions stops waiting for it: every attempt has ended before its retry
 * starts, so a retried step never runs beside its first attempt. The other way round (Task 60 s,
 * Lambda 90 s) Step Functions retried a step on States.Timeout while the first attempt still ran.
 * Kept free of imports so infra/ and scripts/ can read it cheaply.
 */

/** The longest a step waits for Lambda to apply a code update, and again for a new version to be Active. */
export const FUNCTION_UPDATE_WAIT_SECONDS = 30;

/** All the waiting one step invocation may do: the code update, then the published version. */
export const IN_HANDLER_WAIT_SECONDS = 2 * FUNCTION_UPDATE_WAIT_SECONDS;

/** The step Lambdas' timeout: the waits, plus the calls around them (update, publish, store writes). */
export const STEP_LAMBDA_TIMEOUT_SECONDS = IN_HANDLER_WAIT_SECONDS + 30;

/**
 * Every Lambda Task's TimeoutSeconds: the Lambda timeout plus room for a cold start (init runs
 * before the timeout's clock starts, up to 10 s) and the invocation's own latency.
 */
export const STEP_TASK_TIMEOUT_SECONDS = STEP_LAMBDA_TIMEOUT_SECONDS + 30;

/*
 * The hook step (RunHooks) waits for the pipeline's hooks to answer, each within its own timeout
 * (at most MAX_HOOK_TIMEOUT_SECONDS in src/core/pipeline.ts, 14 minutes), so it gets Lambda's
 * longest timeout and its Task a little more; the same order holds:
 * hook timeouts < HOOK_LAMBDA_TIMEOUT_SECONDS < HOOK_TASK_TIMEOUT_SECONDS.
 */
export const HOOK_WAIT_SECONDS = 840;
export const HOOK_LAMBDA_TIMEOUT_SECONDS = 900;
export const HOOK_TASK_TIMEOUT_SECONDS = HOOK_LAMBDA_TIMEOUT_SECONDS + 30;

/** The Lambda timeout of a step, by its id in the step catalog. */
export const lambdaTimeoutOf = (stepId: string): number =>
  stepId === 'RunHooks' ? HOOK_LAMBDA_TIMEOUT_SECONDS : STEP_LAMBDA_TIMEOUT_SECONDS;
