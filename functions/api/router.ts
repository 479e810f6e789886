import type { Context } from 'aws-lambda';
import { createApiHandler } from '../../src/handlers/api.js';
import type { ApiEvent, ApiResult } from '../../src/handlers/http.js';
import { apiLambdaDeps } from '../lib/api-deps.js';

let lambdaHandler: ReturnType<typeof createApiHandler> | undefined;

/** Built on the first invocation and kept for the container's life; a missing variable fails it by name. */
function lambdaApiHandler(): ReturnType<typeof createApiHandler> {
  if (!lambdaHandler) {
    const { deps, env } = apiLambdaDeps();
    lambdaHandler = createApiHandler(deps, {
      maxBodyBytes: env.MAX_BODY_BYTES,
      ...(env.CONSOLE_ORIGIN ? { allowOrigin: env.CONSOLE_ORIGIN } : {}),
    });
  }
  return lambdaHandler;
}

/** The API Lambda (every route except the GitHub webhook). */
export const handler = async (event: ApiEvent, context: Context): Promise<ApiResult> =>
  lambdaApiHandler()(event, context);
