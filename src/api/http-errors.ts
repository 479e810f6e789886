import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  ThrottledError,
  TransientError,
} from '../core/errors.js';
import {
  ForbiddenError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnprocessableError,
  UnsupportedMediaTypeError,
} from './errors.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: string;
  /** For 400: every problem, with the path into the request (`change.id`, `query.limit`). */
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
  /** For a 409 about a deployment: its status now. */
  readonly status?: string;
  /** For a 409 release rollback: each target a newer deployment has changed since, and which. */
  readonly conflicts?: readonly {
    readonly targetId: string;
    readonly waveIndex: number;
    readonly deploymentId: string;
  }[];
  /** For 5xx: quote it when reporting the problem; the details are in the logs under it. */
  readonly requestId?: string;
}

export interface ErrorResponse {
  readonly statusCode: number;
  readonly body: ErrorBody;
  readonly headers?: Readonly<Record<string, string>>;
  /** True when the error was not meant for the caller: log it in full, show nothing of it. */
  readonly unexpected: boolean;
}

/** An error a middleware made for the caller (middy's HttpError: 404 route, 415 content type). */
interface ExposedHttpError {
  readonly statusCode: number;
  readonly expose: boolean;
  readonly message: string;
}

function isExposedHttpError(error: unknown): error is ExposedHttpError {
  if (error === null || typeof error !== 'object') return false;
  const e = error as Partial<ExposedHttpError>;
  return typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && e.expose === true;
}

/**
 * Decides the response for an error thrown while serving a request. Domain errors become 4xx
 * with their message; throttling and transient failures become a 503 the caller may retry;
 * anything else is a plain 500 that names only the request id — no message, no stack.
 *
 * @example errorResponse(new NotFoundError('deployment "d1" not found'), 'req-1').statusCode // 404
 */
export function errorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof InvalidInputError) {
    return {
      statusCode: 400,
      body: {
        error: 'invalid request',
        issues: error.issues.map(({ path, message }) => ({ path, message })),
      },
      unexpected: false,
    };
  }
  if (error instanceof UnauthorizedError) return expected(401, error.message);
  if (error instanceof ForbiddenError) return expected(403, error.message);
  if (error instanceof NotFoundError) return expected(404, error.message);
  if (error instanceof ConflictError) {
    const status = statusOf(error.existing);
    const conflicts = conflictsOf(error.existing);
    return {
      statusCode: 409,
      body: {
        error: error.message,
        ...(status !== undefined ? { status } : {}),
        ...(conflicts !== undefined ? { conflicts } : {}),
      },
      unexpected: false,
    };
  }
  if (error instanceof PayloadTooLargeError) return expected(413, error.message);
  if (error instanceof UnsupportedMediaTypeError) return expected(415, error.message);
  if (error instanceof UnprocessableError) return expected(422, error.message);
  if (error instanceof ThrottledError || error instanceof TransientError) {
    return {
      statusCode: 503,
      body: { error: 'temporarily unavailable, try again', requestId },
      headers: { 'Retry-After': '1' },
      unexpected: false,
    };
  }
  if (isExposedHttpError(error)) return expected(error.statusCode, error.message);
  return { statusCode: 500, body: { error: 'internal error', requestId }, unexpected: true };
}

function expected(statusCode: number, message: string): ErrorResponse {
  return { statusCode, body: { error: message }, unexpected: false };
}

function statusOf(existing: unknown): string | undefined {
  if (existing === null || typeof existing !== 'object') return undefined;
  const status = (existing as { status?: unknown }).status;
  return typeof status === 'string' ? status : undefined;
}

function conflictsOf(existing: unknown): ErrorBody['conflicts'] {
  if (existing === null || typeof existing !== 'object') return undefined;
  const conflicts = (existing as { conflicts?: unknown }).conflicts;
  return Array.isArray(conflicts) ? (conflicts as ErrorBody['conflicts']) : undefined;
}
