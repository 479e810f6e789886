import type { Context } from 'aws-lambda';
import { createGithubWebhookHandler } from '../../src/handlers/github-webhook.js';
import type { ApiEvent, ApiResult } from '../../src/handlers/http.js';
import { apiLambdaDeps, readWebhookEnv, resolveWebhookSecret } from '../lib/api-deps.js';

type WebhookHandler = ReturnType<typeof createGithubWebhookHandler>;
let lambdaHandler: Promise<WebhookHandler> | undefined;

/**
 * Built on the first invocation and kept for the container's life: a missing variable fails it
 * by name; the secret is read then, and a failed read is retried on the next invocation.
 */
function lambdaWebhookHandler(): Promise<WebhookHandler> {
  lambdaHandler ??= (async () => {
    const env = readWebhookEnv();
    const { deps } = apiLambdaDeps();
    return createGithubWebhookHandler({
      store: deps.store,
      starter: deps.starter,
      log: deps.log,
      secret: await resolveWebhookSecret(env),
      maxBodyBytes: env.MAX_BODY_BYTES,
    });
  })().catch((error: unknown) => {
    lambdaHandler = undefined;
    throw error;
  });
  return lambdaHandler;
}

/** The GitHub webhook Lambda (POST /webhooks/github). */
export const handler = async (event: ApiEvent, context: Context): Promise<ApiResult> =>
  (await lambdaWebhookHandler())(event, context);
