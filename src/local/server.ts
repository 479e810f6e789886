import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import middy from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { isBinaryMediaType } from '../api/binary-media-types.js';
import { type Clock, systemClock } from '../ports/clock.js';
import { type Log, silentLog } from '../ports/log.js';
import { localLambdaContext } from './lambda-context.js';

/** An API Gateway REST (v1) proxy handler, as the Lambdas export. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export const MAX_BODY_BYTES = 1_048_576;

export interface LocalServerOptions {
  /** The API (every route but the webhook): the same handler API Gateway invokes on AWS. */
  readonly api: ProxyHandler;
  /** `POST /webhooks/github`: authenticated by its own HMAC signature, not the token. */
  readonly webhook?: ProxyHandler;
  /** Bearer token every API request must carry. */
  readonly token: string;
  /** Folder of the dashboard's static files, served at `/`. */
  readonly webDir: string;
  /** Larger request bodies are refused with 413. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Runs each API call (the control plane holds virtual time still while one runs). */
  readonly around?: <T>(work: () => Promise<T>) => Promise<T>;
  readonly log?: Log;
  /** Stamps `requestContext.requestTimeEpoch`. @default the system clock */
  readonly clock?: Clock;
  /**
   * Routes only the local control plane has (`POST /triggers/codecommit`), by exact path:
   * token-authenticated like the API, each with its own handler.
   */
  readonly localRoutes?: Readonly<Record<string, ProxyHandler>>;
  /** Sent as `X-Breakwater-Clock` with every API answer: `paused` or `running`. */
  readonly clockState?: () => 'paused' | 'running';
  /**
   * Served as the dashboard's `/config.json`, as the CDK deployment writes it; the origin of its
   * `cognito.domain` may then be called by the page (Content-Security-Policy `connect-src`). For
   * trying the hosted console's sign-in against a stand-in Cognito.
   * @default undefined (404: the dashboard uses the token)
   */
  readonly consoleConfig?: Readonly<Record<string, unknown>>;
  /**
   * Stands in for API Gateway's Cognito authorizer: a bearer token other than `token` is given to
   * it, and the claims it returns reach the API as `requestContext.authorizer.claims`;
   * undefined refuses the request (401).
   * @default undefined (only `token` is accepted)
   */
  readonly identify?: (bearer: string) => Readonly<Record<string, string>> | undefined;
}

/** Routes of the API; everything else is a dashboard file. */
const API_PREFIXES = ['/pipelines', '/deployments', '/blockers', '/openapi.json', '/webhooks'];
const PUBLIC_API_PATHS = new Set(['/openapi.json']);
const WEBHOOK_PATH = '/webhooks/github';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const STATIC_HEADERS = {
  'Cache-Control': 'no-cache',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

/**
 * The headers middy's http-security-headers adds to a response of this content type: the set
 * the Lambdas send through API Gateway, so every response of this server carries it too (its own
 * 401/404/413/421/500 and the dashboard's files included). Its Content-Security-Policy is left
 * out: written for API responses, it sandboxes the page and upgrades requests to https, which
 * would stop the dashboard on http://127.0.0.1; the dashboard files carry their own instead.
 */
async function securityHeadersFor(contentType: string): Promise<Readonly<Record<string, string>>> {
  const respond = middy<unknown, APIGatewayProxyResult>()
    .use(httpSecurityHeaders({ contentSecurityPolicy: false }))
    .handler(async () => ({ statusCode: 200, headers: { 'Content-Type': contentType }, body: '' }));
  const { headers = {} } = await respond({}, {} as Context);
  return Object.fromEntries(
    Object.entries(headers)
      // middy leaves some empty (Reporting-Endpoints with no endpoint): they say nothing.
      .filter(([name, value]) => name !== 'Content-Type' && value !== undefined && value !== '')
      .map(([name, value]) => [name, String(value)]),
  );
}

const RESPONSE_SECURITY_HEADERS = securityHeadersFor('application/json; charset=utf-8');
/** Pages get more (frame, opener and embedder policies, ...), as middy gives HTML responses. */
const PAGE_SECURITY_HEADERS = securityHeadersFor('text/html; charset=utf-8');

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

class BodyTooLargeError extends Error {
  constructor(readonly receivedBytes: number) {
    super(`request body is larger than the limit`);
  }
}

/**
 * The local control plane's HTTP server: translates each `node:http` request into an API Gateway
 * REST proxy event for the very handler the Lambda runs, and the result back; serves the
 * dashboard's static files at `/`. A `Host` other than this server's address is a 421 (DNS
 * rebinding). API calls need `Authorization: Bearer <token>`; the GitHub webhook is checked by
 * its HMAC instead. Bodies above 1 MiB get a 413, errors are JSON, and every response carries the
 * security headers the Lambdas send on AWS.
 *
 * @example
 * const server = createLocalServer({ api: createApiHandler(deps), token, webDir: 'web' });
 * server.listen(8787, '127.0.0.1');
 */
export function createLocalServer(options: LocalServerOptions): Server {
  const log = options.log ?? silentLog;
  return createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      const requestId = randomUUID();
      log.error('local server: request failed', {
        requestId,
        error: String((error as Error)?.stack ?? error),
      });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error', requestId });
      else res.destroy();
    });
  });
}

async function handle(options: LocalServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Set first, so that whatever answers below (writeHead merges them) carries them.
  for (const [name, value] of Object.entries(await RESPONSE_SECURITY_HEADERS)) res.setHeader(name, value);
  const misdirected = misdirectedHost(req);
  if (misdirected) {
    sendJson(res, 421, { error: misdirected });
    return;
  }
  const url = requestUrl(req.url);
  if (!url) {
    sendJson(res, 400, {
      error: `expected a request target that starts with "/", got ${JSON.stringify(req.url)}`,
    });
    return;
  }
  const path = url.pathname;
  const localRoute =
    options.localRoutes && Object.hasOwn(options.localRoutes, path) ? options.localRoutes[path] : undefined;
  const isApi = localRoute !== undefined || API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
  if (!isApi) {
    if (options.consoleConfig && path === '/config.json') {
      sendJson(res, 200, options.consoleConfig, { 'Cache-Control': 'no-cache' });
      return;
    }
    await serveStatic(options.webDir, req, res, path, connectSources(options.consoleConfig));
    return;
  }
  const isWebhook = path === WEBHOOK_PATH;
  const tokenOk = hasToken(req, options.token);
  const claims = isWebhook || tokenOk ? undefined : identified(req, options.identify);
  if (!isWebhook && !PUBLIC_API_PATHS.has(path) && !tokenOk && !claims) {
    sendJson(
      res,
      401,
      {
        error:
          'missing or wrong token: send "Authorization: Bearer <token>" (breakwater serve prints it; it is saved in <data>/token)',
      },
      { 'WWW-Authenticate': 'Bearer realm="breakwater"' },
    );
    return;
  }
  const maxBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  let body: Buffer;
  try {
    body = await readBody(req, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendJson(res, 413, {
        error: `request body is ${error.receivedBytes} bytes or more; the limit is ${maxBytes} bytes`,
      });
      // Stop reading what is left of an oversized upload.
      res.on('finish', () => req.destroy());
      return;
    }
    throw error;
  }
  const handler = isWebhook ? options.webhook : (localRoute ?? options.api);
  if (!handler) {
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
    return;
  }
  const requestId = randomUUID();
  const event = toProxyEvent(req, url, body, requestId, (options.clock ?? systemClock).nowMs());
  if (claims) event.requestContext.authorizer = { claims };
  const around = options.around ?? ((work) => work());
  const result = await around(() =>
    handler(event, localLambdaContext('breakwater-api', { memoryMb: 512, timeoutMs: 29_000, requestId })),
  );
  if (options.clockState) res.setHeader('X-Breakwater-Clock', options.clockState());
  sendProxyResult(res, result, (options.clock ?? systemClock).nowMs());
}

/**
 * The URL of an origin-form request target (`/path?query`). The target is appended to the base
 * rather than resolved against it: `//x/y` is the path `//x/y`, not a URL of host `x`. Anything
 * else (absolute-form `http://host/path`, `*`) is not for this server.
 */
function requestUrl(target: string | undefined): URL | undefined {
  if (target === undefined || !target.startsWith('/')) return undefined;
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    return undefined;
  }
}

/**
 * Why the request is not for this server, or undefined when it is. A page on another site can
 * make the browser send requests here by pointing its own name at 127.0.0.1 (DNS rebinding);
 * the browser then sends that name as `Host`. So only the loopback names and the address the
 * connection came in on, with this server's port, are answered.
 */
function misdirectedHost(req: IncomingMessage): string | undefined {
  const port = req.socket.localPort;
  const local = addressAsHost(req.socket.localAddress);
  const allowed = local && !LOOPBACK_HOSTS.includes(local) ? [local, ...LOOPBACK_HOSTS] : LOOPBACK_HOSTS;
  const host = req.headers.host;
  const parsed =
    host === undefined ? undefined : /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(host.trim());
  const name = parsed?.[1]?.toLowerCase();
  const hostPort = parsed?.[2] ?? '80';
  if (name !== undefined && allowed.includes(name) && hostPort === String(port)) return undefined;
  const choices = allowed.map((h) => `${h}:${port}`);
  return (
    `Host ${host === undefined ? 'none' : JSON.stringify(host)} is not this server: use ` +
    `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]} ` +
    '(requests naming another host are refused, against DNS rebinding)'
  );
}

/** `127.0.0.1`, `[::1]`, `::ffff:10.0.0.2` → `10.0.0.2`, as an address appears in a Host header. */
function addressAsHost(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return mapped;
  return address.includes(':') ? `[${address.toLowerCase()}]` : address;
}

function hasToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes)
    return Promise.reject(new BodyTooLargeError(declared));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        reject(new BodyTooLargeError(size));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/**
 * The event API Gateway (REST, Lambda proxy integration on `/{proxy+}`) would send for this
 * request. The body is passed base64-encoded when its content type is one of the API's binary
 * media types (`*\/*`: every body), exactly as API Gateway does, so a signature over the raw
 * bytes (the GitHub webhook) verifies and the handlers' base64 path is the one exercised.
 */
export function toProxyEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  requestId: string,
  nowMs: number,
): APIGatewayProxyEvent {
  // Built with Object.fromEntries, which defines own data properties as API Gateway's JSON does:
  // a name such as `__proto__` or `constructor` stays a key, never a prototype or a method.
  const headerEntries = Object.entries(req.headersDistinct).filter(
    (entry): entry is [string, string[]] => entry[1] !== undefined,
  );
  const headers: Record<string, string> = Object.fromEntries(
    headerEntries.map(([name, values]) => [name, values.join(',')]),
  );
  const multiValueHeaders: Record<string, string[]> = Object.fromEntries(headerEntries);
  const grouped = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  // Like API Gateway: the last value of a repeated name, and every value in the multi-value map.
  const query: Record<string, string> = Object.fromEntries(
    [...grouped].map(([name, values]) => [name, values[values.length - 1]!]),
  );
  const multiQuery: Record<string, string[]> = Object.fromEntries(grouped);
  const binary = body.length > 0 && isBinaryMediaType(headers['content-type']);
  const method = req.method ?? 'GET';
  const hasQuery = grouped.size > 0;
  return {
    resource: '/{proxy+}',
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: { proxy: url.pathname.slice(1) },
    stageVariables: null,
    body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: binary,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: method,
      path: url.pathname,
      stage: 'local',
      requestId,
      requestTimeEpoch: nowMs,
      resourceId: 'local',
      resourcePath: '/{proxy+}',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: null,
      },
    },
  };
}

function sendProxyResult(res: ServerResponse, result: APIGatewayProxyResult, nowMs: number): void {
  // The dashboard measures bake progress against the control plane's (virtual) clock.
  res.setHeader('X-Breakwater-Now', new Date(nowMs).toISOString());
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
    res.setHeader(name, values.map(String));
  res.statusCode = result.statusCode;
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/** The claims `identify` gives the request's bearer token, if any. */
function identified(
  req: IncomingMessage,
  identify: LocalServerOptions['identify'],
): Readonly<Record<string, string>> | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  return bearer && identify ? identify(bearer) : undefined;
}

/** The origin of the config's sign-in domain, which the page calls to exchange its code. */
function connectSources(config: LocalServerOptions['consoleConfig']): string[] {
  const domain = (config?.cognito as { domain?: unknown } | undefined)?.domain;
  if (typeof domain !== 'string') return [];
  try {
    return [new URL(domain).origin];
  } catch {
    return [];
  }
}

function sendJson(
  res: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(statusCode, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

async function serveStatic(
  webDir: string,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  extraConnectSources: readonly string[] = [],
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: `${req.method} is not allowed on ${path}` }, { Allow: 'GET, HEAD' });
    return;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    sendJson(res, 400, { error: `malformed path ${path}` });
    return;
  }
  const root = normalize(webDir + sep);
  const file = normalize(join(root, decoded === '/' ? 'index.html' : decoded));
  if (!file.startsWith(root) || decoded.includes('\0')) {
    sendJson(res, 404, { error: `no file ${path}` });
    return;
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    sendJson(res, 404, { error: `no file ${path}` });
    return;
  }
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
  const page = type.startsWith('text/html') ? await PAGE_SECURITY_HEADERS : {};
  const csp = STATIC_HEADERS['Content-Security-Policy'].replace(
    "connect-src 'self'",
    ["connect-src 'self'", ...extraConnectSources].join(' '),
  );
  res.writeHead(200, {
    ...page,
    'Content-Type': type,
    'Content-Length': info.size,
    ...STATIC_HEADERS,
    'Content-Security-Policy': csp,
  });
  res.end(req.method === 'HEAD' ? undefined : await readFile(file));
}
