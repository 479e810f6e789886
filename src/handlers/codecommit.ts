import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type CodeCommitResult, handleCodeCommitEvent } from '../api/codecommit.js';
import type { TriggerDeps } from '../api/deps.js';
import { observe } from './observability.js';

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
