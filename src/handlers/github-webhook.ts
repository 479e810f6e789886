import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import type { TriggerDeps } from '../api/deps.js';
import { UnauthorizedError } from '../api/errors.js';
import {
  GithubPushSchema,
  handleGithubDelivery,
  isGithubSignatureValid,
  parseGithubWebhookBody,
} from '../api/github.js';
import { parseRequest } from '../api/schemas.js';
import { type ApiEvent, type ApiResult, httpMiddlewares, json, rawBody } from './http.js';
import { observe } from './observability.js';

/*
 * POST /webhooks/github. Nothing is parsed or started before the X-Hub-Signature-256 HMAC of the
 * raw body bytes checks out (constant-time comparison); then the body is read as JSON, or as
 * GitHub's form encoding with the JSON in `payload` (415 for anything else). Deployments start asynchronously, so GitHub
 * gets its answer well within its 10 s.
 */

export interface GithubWebhookDeps extends TriggerDeps {
  /** The secret set on the GitHub webhook. */
  readonly secret: string;
  /** Largest body accepted (413 above). @default 1_048_576 */
  readonly maxBodyBytes?: number;
}

const HeadersSchema = z.object({
  'x-github-event': z.string().min(1).max(100),
  'x-github-delivery': z.string().min(1).max(200),
});

/** Refuses the request (401) unless the raw body carries the signature of the shared secret. */
function verifySignature(secret: string, body: Buffer, signature: string | undefined): void {
  if (!signature) throw new UnauthorizedError('missing X-Hub-Signature-256 header');
  if (!isGithubSignatureValid(secret, body, signature)) {
    throw new UnauthorizedError('X-Hub-Signature-256 does not match the body');
  }
}

/**
 * The GitHub webhook handler (API Gateway REST proxy events).
 *
 * @example
 * const handle = createGithubWebhookHandler({ store, starter, log: silentLog, secret: process.env.GITHUB_WEBHOOK_SECRET! });
 */
export function createGithubWebhookHandler(
  deps: GithubWebhookDeps,
): MiddyfiedHandler<ApiEvent, ApiResult, Error, Context> {
  return middy<ApiEvent, ApiResult, Error, Context>()
    .use(observe<ApiEvent, ApiResult>())
    .use(httpMiddlewares(deps.log, deps.maxBodyBytes))
    .handler(async (event) => {
      // The exact bytes: API Gateway passes the body base64-encoded (binary media types).
      const body = rawBody(event);
      verifySignature(deps.secret, body, event.headers['x-hub-signature-256']);
      const headers = parseRequest(HeadersSchema, event.headers, 'header');
      const result = await handleGithubDelivery(
        deps,
        {
          event: headers['x-github-event'],
          deliveryId: headers['x-github-delivery'],
          payload: parseGithubWebhookBody(event.headers['content-type'], body),
        },
        (payload) => parseRequest(GithubPushSchema, payload, 'body'),
      );
      return json(result.statusCode, result.body);
    });
}
