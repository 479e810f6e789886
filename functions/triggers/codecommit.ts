import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type CodeCommitResult, handleCodeCommitEvent } from '../../src/api/codecommit.js';
import type { TriggerDeps } from '../../src/api/deps.js';
import { apiLambdaDeps } from '../lib/api-deps.js';
import { observe } from '../lib/observability.js';

/*
 * EventBridge target for "CodeCommit Repository State Change": a branch created or moved starts
 * a deployment of its commit on every matching pipeline. Other events return a summary; only a
 * failure to read pipelines or start a deployment throws, so EventBridge retries it (the
 * deployment id comes from the event id: a retry never starts a second one).
 */

/**
 * @example
 * const handle = createCodeCommitHandler({ store, starter, log: silentLog });
 * await handle(eventBridgeEvent, context); // { deployments: [...], skipped: [] } or { ignored: '...' }
 */
export function createCodeCommitHandler(
  deps: TriggerDeps,
): MiddyfiedHandler<unknown, CodeCommitResult, Error, Context> {
  return middy<unknown, CodeCommitResult, Error, Context>()
    .use(observe())
    .handler(async (event) => {
      const result = await handleCodeCommitEvent(deps, event);
      deps.log.info('codecommit event handled', { ...result });
      return result;
    });
}

let lambdaHandler: ReturnType<typeof createCodeCommitHandler> | undefined;

function lambdaCodeCommitHandler(): ReturnType<typeof createCodeCommitHandler> {
  lambdaHandler ??= createCodeCommitHandler(apiLambdaDeps().deps);
  return lambdaHandler;
}

/** The Lambda entry point. */
export const handler = (event: unknown, context: Context): Promise<CodeCommitResult> =>
  lambdaCodeCommitHandler()(event, context);

// In Lambda, an incomplete environment fails the cold start by name.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) lambdaCodeCommitHandler();
