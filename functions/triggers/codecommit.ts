import type { Context } from 'aws-lambda';
import type { CodeCommitResult } from '../../src/api/codecommit.js';
import { createCodeCommitHandler } from '../../src/handlers/codecommit.js';
import { apiLambdaDeps } from '../lib/api-deps.js';

let lambdaHandler: ReturnType<typeof createCodeCommitHandler> | undefined;

/** Built on the first invocation and kept for the container's life; a missing variable fails it by name. */
function lambdaCodeCommitHandler(): ReturnType<typeof createCodeCommitHandler> {
  lambdaHandler ??= createCodeCommitHandler(apiLambdaDeps().deps);
  return lambdaHandler;
}

/** The CodeCommit trigger Lambda (EventBridge "CodeCommit Repository State Change"). */
export const handler = async (event: unknown, context: Context): Promise<CodeCommitResult> =>
  lambdaCodeCommitHandler()(event, context);
