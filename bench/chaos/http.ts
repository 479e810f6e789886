import { request } from 'node:http';

/*
 * A loopback HTTP client with nothing in the way: any method, a raw request target (already
 * encoded, or deliberately not), any headers including Host or none, and raw body bytes. No
 * keep-alive, so a killed server never leaves a socket for the next request to fail on.
 */

export interface RawRequest {
  readonly method: string;
  /** The request target as sent, e.g. `/deployments/x?limit=3`. */
  readonly path: string;
  /** Header names to values; `host` is sent as given (the base URL's when absent, unless `noHost`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  /** Sends no Host header at all. */
  readonly noHost?: boolean;
  /** @default 30000 */
  readonly timeoutMs?: number;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** The body as JSON, or undefined when it is not JSON. */
  json<T = unknown>(): T | undefined;
}

/** Sends one request to `base` (`http://127.0.0.1:port`); rejects on a transport error or timeout. */
export function send(base: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  const hasHost = Object.keys(headers).some((h) => h.toLowerCase() === 'host');
  if (!hasHost && !req.noHost) headers.host = url.host;
  const body =
    req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length'))
    headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: url.hostname,
        port: Number(url.port),
        method: req.method,
        path: req.path,
        headers,
        setHost: false,
        agent: false,
        timeout: req.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: bytes,
            json<T>() {
              try {
                return JSON.parse(bytes.toString('utf8')) as T;
              } catch {
                return undefined;
              }
            },
          });
        });
      },
    );
    r.on('timeout', () => r.destroy(new Error(`timed out: ${req.method} ${req.path}`)));
    r.on('error', reject);
    r.end(body);
  });
}

/** A JSON API call with the bearer token; the response as it came. */
export function api(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawResponse> {
  return send(base, {
    method,
    path,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}
