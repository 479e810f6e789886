import type { MiddlewareObj } from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { PayloadTooLargeError } from '../api/errors.js';
import { errorResponse } from '../api/http-errors.js';
import type { Log } from '../ports/log.js';

/*
 * The HTTP plumbing the API, the GitHub webhook and the local CodeCommit route share: JSON
 * responses, the body size limit, the one error handler that decides what the caller sees, and
 * the middleware chain that puts them in order.
 */

export type ApiEvent = APIGatewayProxyEvent;
export type ApiResult = APIGatewayProxyResult;

/** API Gateway's own limit (10 MB) cannot be lowered; the handlers enforce this one. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** The body exactly as the client sent it (API Gateway base64-encodes binary bodies). */
export function rawBody(event: Pick<ApiEvent, 'body' | 'isBase64Encoded'>): Buffer {
  if (event.body === null || event.body === undefined) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

export function requestIdOf(
  event: Partial<ApiEvent> | undefined,
  context: Partial<Context> | undefined,
): string {
  return context?.awsRequestId || event?.requestContext?.requestId || 'unknown';
}

/** Refuses a body larger than `maxBytes` with 413, before anything parses it. */
export function bodyLimit(maxBytes: number): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: (request) => {
      const size = rawBody(request.event).byteLength;
      if (size > maxBytes) throw new PayloadTooLargeError(size, maxBytes);
    },
  };
}

/**
 * The single error handler: domain errors become 4xx JSON that says what was wrong; anything
 * unexpected is logged in full and answered with `{"error":"internal error","requestId":...}`,
 * so no message or stack ever reaches the caller.
 */
export function errorResponder(log: Log): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: (request) => {
      const requestId = requestIdOf(request.event, request.context);
      const response = errorResponse(request.error, requestId);
      const error = request.error;
      if (response.unexpected) {
        log.error('request failed', {
          requestId,
          method: request.event?.httpMethod,
          path: request.event?.path,
          error:
            error instanceof Error
              ? { name: error.name, message: error.message, stack: error.stack }
              : String(error),
        });
      } else if (response.statusCode >= 500) {
        log.warn('request failed transiently', { requestId, error: error?.message });
      }
      request.response = json(response.statusCode, response.body, { ...response.headers });
    },
  };
}

/**
 * The chain every API Gateway handler here shares, in order: header and event normalizers,
 * security headers, the one error handler, then the body size limit (so a 413 is answered by it).
 *
 * @example middy<ApiEvent, ApiResult>().use(httpMiddlewares(log)).handler(async (event) => json(200, {}));
 */
export function httpMiddlewares(
  log: Log,
  maxBodyBytes: number = DEFAULT_MAX_BODY_BYTES,
): MiddlewareObj<ApiEvent, ApiResult>[] {
  return [
    httpHeaderNormalizer() as MiddlewareObj<ApiEvent, ApiResult>,
    httpEventNormalizer() as MiddlewareObj<ApiEvent, ApiResult>,
    httpSecurityHeaders() as MiddlewareObj<ApiEvent, ApiResult>,
    errorResponder(log),
    bodyLimit(maxBodyBytes),
  ];
}
