import type { RawRequest } from './http.js';
import type { Random } from './random.js';

/*
 * The pieces of part 3's fuzzed requests: strings that break naive code (prototype names, huge,
 * unicode, control characters, malformed percent-encodings), methods, request targets over the
 * API's routes, headers (content types, Host, the token or not) and bodies (valid-looking for the
 * route and then mutated, random JSON, truncated JSON, bytes that are not UTF-8, huge, deep).
 */

export interface FuzzRequest extends RawRequest {
  /** Carries the valid token (API) or a valid signature (webhook): only then may anything change. */
  readonly authenticated: boolean;
}

export interface KnownIds {
  readonly pipelines: readonly string[];
  readonly deployments: readonly string[];
  readonly blockers: readonly string[];
}

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** A string chosen to break something: empty, huge, unicode, control characters, prototype names. */
export function fuzzString(r: Random): string {
  return r.weighted<() => string>([
    [() => r.pick(['alice', 'x', 'payments-api', 'chaos-web', 'main', 'a-b_c.d']), 4],
    [() => r.pick(PROTOTYPE_NAMES), 3],
    [() => '', 1],
    [() => 'a'.repeat(r.pick([81, 256, 1001, 10_000, 70_000])), 1],
    [() => r.pick(['é', 'ß', '日本語', '🚀', '\u202eevil', 'zero\u200bwidth', 'ﬀ', 'Ω']), 2],
    [() => r.pick(['\u0000', 'a\u0000b', '\ud800', 'line\nbreak', 'tab\there', '\u007f']), 1],
    [() => r.pick(['..', '../..', '%', '%zz', '%00', '%E0%A4%A', '/', '\\', '?', '#', '&', '=']), 2],
    [() => r.pick(['-1', '0', '1e309', 'NaN', 'Infinity', '9'.repeat(400), '1.5', '0x10', ' 1 ']), 2],
    [() => r.pick(['null', 'true', '{}', '[]', '"quoted"', "' OR 1=1 --", '<script>alert(1)</script>']), 1],
  ])();
}

/** A random JSON value, nested up to `depth`, with keys that are prototype names now and then. */
export function fuzzValue(r: Random, depth = 3): unknown {
  const kind = r.weighted([
    ['string', 4],
    ['number', 2],
    ['bool', 1],
    ['null', 1],
    ['array', depth > 0 ? 1 : 0],
    ['object', depth > 0 ? 2 : 0],
  ] as const);
  switch (kind) {
    case 'string':
      return fuzzString(r);
    case 'number':
      return r.pick([0, -1, 1, 1.5, 100, 101, 2 ** 53 + 1, -1e308, 1e-300]);
    case 'bool':
      return r.chance(0.5);
    case 'null':
      return null;
    case 'array':
      return Array.from({ length: r.int(0, 4) }, () => fuzzValue(r, depth - 1));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (let i = r.int(0, 4); i > 0; i--)
        Object.defineProperty(out, r.chance(0.3) ? r.pick(PROTOTYPE_NAMES) : fuzzString(r).slice(0, 40), {
          value: fuzzValue(r, depth - 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    }
  }
}

export function fuzzMethod(r: Random): string {
  return r.weighted([
    ['GET', 8],
    ['POST', 6],
    ['PUT', 3],
    ['DELETE', 2],
    ['PATCH', 1],
    ['HEAD', 1],
    ['OPTIONS', 1],
    ['PROPFIND', 0.5],
  ] as const);
}

/** Percent-encodes UTF-8; a lone surrogate (which encodeURIComponent refuses) goes as U+FFFD. */
function percentEncode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  }
}

/** A path segment: a known name or id, or a fuzzed string, percent-encoded or (sometimes) raw. */
function segment(r: Random, known: readonly string[]): string {
  const value = known.length > 0 && r.chance(0.4) ? r.pick(known) : fuzzString(r);
  if (r.chance(0.15) && /^[\x21-\x7e]*$/.test(value) && !/[?#]/.test(value)) return value;
  return percentEncode(value).replace(/%2F/gi, r.chance(0.2) ? '/' : '%2F');
}

function query(r: Random): string {
  const names = ['version', 'limit', 'cursor', 'limt', 'token', ...PROTOTYPE_NAMES, 'é', ''];
  const values = [
    '1',
    '0',
    '-1',
    '100',
    '101',
    '2.5',
    'abc',
    '',
    '9'.repeat(400),
    'eyJwayI6InBpcGVsaW5lIn0',
    '%zz',
  ];
  const parts: string[] = [];
  for (let i = r.int(1, 4); i > 0; i--) {
    const name = r.chance(0.8) ? r.pick(names) : fuzzString(r);
    const value = r.chance(0.7) ? r.pick(values) : fuzzString(r);
    const raw = r.chance(0.1);
    parts.push(
      `${raw ? name.replace(/[^\x21-\x7e]/g, '') : percentEncode(name)}=${raw ? value.replace(/[^\x21-\x7e]/g, '') : percentEncode(value)}`,
    );
  }
  return parts.join('&');
}

/** A request target over the routes of docs/api.md, with random ids and query strings. */
export function fuzzPath(r: Random, known: KnownIds): string {
  const p = () => segment(r, known.pipelines);
  const d = () => segment(r, known.deployments);
  const b = () => segment(r, known.blockers);
  const path = r.weighted<() => string>([
    [() => '/pipelines', 2],
    [() => `/pipelines/${p()}`, 3],
    [() => `/pipelines/${p()}/deployments`, 3],
    [() => `/deployments/${d()}`, 3],
    [() => `/deployments/${d()}/stop`, 2],
    [() => `/deployments/${d()}/expedite/approve`, 1],
    [() => `/deployments/${d()}/overrides`, 1],
    [() => '/blockers', 2],
    [() => `/blockers/${b()}`, 2],
    [() => '/openapi.json', 1],
    [() => '/webhooks/github', 1],
    [
      () =>
        r.pick([
          '/',
          '/index.html',
          '/app.js',
          '/../etc/passwd',
          '/%2e%2e/%2e%2e/etc/passwd',
          '//pipelines',
          '/pipelines/',
          '/pipelines//deployments',
          '/deployments',
          '/webhooks',
          '/webhooks/gitlab',
          '/PIPELINES',
          '/pipelines%2Fx',
          `/${'x/'.repeat(r.int(1, 3000))}`,
          '/%00',
          '/pipelines/%',
        ]),
      2,
    ],
  ])();
  return r.chance(0.35) ? `${path}?${query(r)}` : path;
}

/** Whether the server must demand the token for this path (every API route but the public ones). */
export function isProtectedApiPath(pathname: string): boolean {
  if (pathname === '/openapi.json' || pathname === '/webhooks/github') return false;
  return ['/pipelines', '/deployments', '/blockers', '/webhooks'].some(
    (prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`),
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset=latin1',
  'application/vnd.api+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  'json',
  'application/json, text/plain',
];

/** Headers: content type, Host (mostly right), the token (mostly valid), and odd extras. */
export function fuzzHeaders(
  r: Random,
  serve: { readonly url: string; readonly token: string },
  method: string,
): { headers: Record<string, string>; authenticated: boolean } {
  const url = new URL(serve.url);
  const headers: Record<string, string> = {};
  const withBody = method !== 'GET' && method !== 'HEAD';
  if (withBody || r.chance(0.2))
    headers['content-type'] = r.chance(0.7) ? 'application/json' : r.pick(CONTENT_TYPES);
  headers.host = r.weighted([
    [url.host, 12],
    [`localhost:${url.port}`, 2],
    [`[::1]:${url.port}`, 1],
    ['evil.example', 1],
    [`127.0.0.1:${Number(url.port) + 1}`, 1],
    [`127.0.0.1.nip.io:${url.port}`, 1],
    ['127.0.0.1', 1],
  ] as const);
  const auth = r.weighted([
    ['valid', 14],
    ['valid, lower-case scheme', 1],
    ['none', 2],
    ['wrong', 1],
    ['longer', 1],
    ['shorter', 1],
    ['basic', 1],
  ] as const);
  const token = serve.token;
  const value = {
    valid: `Bearer ${token}`,
    'valid, lower-case scheme': `bearer ${token}`,
    none: undefined,
    wrong: 'Bearer not-the-token',
    longer: `Bearer ${token}x`,
    shorter: `Bearer ${token.slice(0, -1)}`,
    basic: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
  }[auth];
  if (value !== undefined) headers.authorization = value;
  if (r.chance(0.1)) headers['x-http-method-override'] = r.pick(['DELETE', 'PUT']);
  if (r.chance(0.05)) headers['content-encoding'] = 'gzip';
  if (r.chance(0.05)) headers['x-long'] = 'y'.repeat(r.pick([1000, 9000, 20_000]));
  if (r.chance(0.05)) headers.cookie = `token=${token}`;
  if (r.chance(0.05)) headers['x-unicode'] = Buffer.from('日本🚀', 'utf8').toString('latin1');
  return { headers, authenticated: auth.startsWith('valid') };
}

/** A body that is valid for the route, before mutation. */
function routeBody(r: Random, path: string, known: KnownIds): Record<string, unknown> {
  const pathname = path.split('?')[0]!;
  if (/\/pipelines\/[^/]+\/deployments$/.test(pathname))
    return {
      change: {
        id: `fuzz-${r.hex(8)}`,
        ...(r.chance(0.5) ? { version: String(r.int(2, 9)) } : {}),
        description: 'fuzz',
      },
      requestedBy: 'fuzz',
      ...(r.chance(0.1) ? { expedite: { reason: 'fuzz' } } : {}),
    };
  if (pathname.endsWith('/stop')) return { by: 'fuzz', reason: 'fuzzing' };
  if (pathname.endsWith('/expedite/approve')) return { by: r.pick(['fuzz', 'other']) };
  if (pathname.endsWith('/overrides'))
    return {
      blockerId: r.pick(['window', 'alarm:x', `manual:${r.hex(8)}`]),
      by: 'fuzz',
      reason: 'fuzzing',
      ...(r.chance(0.3) ? { fixesAlarm: true } : {}),
    };
  if (pathname === '/blockers')
    return {
      scope: r.pick([
        { kind: 'global' },
        { kind: 'pipeline', pipeline: r.pick(known.pipelines.length ? known.pipelines : ['x']) },
      ]),
      reason: 'fuzz',
      author: 'fuzz',
      ...(r.chance(0.5)
        ? { expiresAt: new Date(Date.parse('2027-01-01T00:00:00Z') + r.int(0, 1e9)).toISOString() }
        : {}),
    };
  if (pathname.startsWith('/pipelines/')) {
    let name = pathname.split('/')[2] ?? 'x';
    try {
      name = decodeURIComponent(name);
    } catch {
      // a malformed escape stays as sent
    }
    return {
      name,
      waves: [
        {
          name: 'w',
          targets: [
            { id: 't', account: '111111111111', region: 'us-east-1', functionName: 'fuzz-fn', alias: 'live' },
          ],
        },
      ],
    };
  }
  return fuzzValue(r) as Record<string, unknown>;
}

function mutate(r: Random, value: Record<string, unknown>): unknown {
  if (value === null || typeof value !== 'object' || r.chance(0.4)) return value;
  const copy: Record<string, unknown> = JSON.parse(JSON.stringify(value));
  const keys = Object.keys(copy);
  for (let i = r.int(1, 3); i > 0; i--) {
    const roll = r.next();
    if (roll < 0.3 && keys.length > 0) delete copy[r.pick(keys)];
    else if (roll < 0.7 && keys.length > 0) copy[r.pick(keys)] = fuzzValue(r, 2);
    else copy[r.chance(0.5) ? r.pick(PROTOTYPE_NAMES) : fuzzString(r).slice(0, 30)] = fuzzValue(r, 2);
  }
  return copy;
}

/** The body bytes: mostly JSON for the route, else truncated, not UTF-8, huge, deep or empty. */
export function fuzzBody(r: Random, path: string, known: KnownIds): Buffer {
  const json = () => JSON.stringify(mutate(r, routeBody(r, path, known))) ?? 'null';
  return r.weighted<() => Buffer>([
    [() => Buffer.from(json()), 70],
    [
      () => {
        const text = json();
        return Buffer.from(text.slice(0, r.int(0, Math.max(0, text.length - 1))));
      },
      8,
    ],
    [
      () =>
        r.chance(0.5) ? r.bytes(r.int(1, 300)) : Buffer.from(json().replace('"', '"\u00ff\u00fe'), 'latin1'),
      5,
    ],
    [
      () =>
        r.chance(0.5)
          ? Buffer.alloc(1_048_576 + r.int(1, 50_000), 'a')
          : Buffer.from(JSON.stringify({ ...routeBody(r, path, known), pad: 'p'.repeat(900_000) })),
      3,
    ],
    [
      () => {
        const depth = r.pick([1000, 10_000, 100_000]);
        return Buffer.from(
          r.chance(0.5)
            ? `${'['.repeat(depth)}${']'.repeat(depth)}`
            : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
        );
      },
      3,
    ],
    [
      () =>
        Buffer.from(
          `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${json().slice(1)}`,
        ),
      5,
    ],
    [() => Buffer.alloc(0), 3],
    [() => Buffer.from(`payload=${percentEncode(json())}`), 3],
  ])();
}
