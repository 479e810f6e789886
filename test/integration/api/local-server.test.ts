import { createHmac } from 'node:crypto';
import { Agent, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStore } from '../../../src/adapters/aws/dynamodb-store.js';
import { resolvePipeline } from '../../../src/core/pipeline.js';
import { createApiHandler } from '../../../src/handlers/api.js';
import { createGithubWebhookHandler } from '../../../src/handlers/github-webhook.js';
import { type LocalDynamo, startLocalDynamo } from '../../../src/local/dynamo.js';
import { createLocalServer, type ProxyHandler } from '../../../src/local/server.js';
import { manualClock, pipelineDocument, RecordingStarter, recordingLog, sequentialIds } from './support.js';

/*
 * The local server (`breakwater serve`) over real HTTP: node:http requests, the real API and
 * webhook handlers behind it, DynamoDB on dynalite.
 */

const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));
const TOKEN = 'local-server-test-token';
const SECRET = 'local-server-test-secret';
const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
];

let local: LocalDynamo;
let server: Server;
let port: number;
const starter = new RecordingStarter();
const log = recordingLog();
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

beforeAll(async () => {
  local = await startLocalDynamo();
  const clock = manualClock();
  const store = new DynamoDeploymentStore({
    client: local.documentClient,
    tableName: local.tableName,
    clock,
  });
  await store.putPipeline(
    resolvePipeline(
      pipelineDocument('hello', {
        source: { type: 'github', owner: 'Codertocat', repo: 'Hello-World', branch: 'master' },
        artifact: { type: 's3-zip', bucket: 'artifacts-{region}', key: 'hello/{change}.zip' },
      }),
    ),
  );
  server = createLocalServer({
    api: createApiHandler({ store, starter, clock, log, newId: sequentialIds('local') }) as ProxyHandler,
    webhook: createGithubWebhookHandler({ store, starter, log, secret: SECRET }) as ProxyHandler,
    token: TOKEN,
    webDir: WEB_DIR,
    log,
    clock,
  });
  port = await listen(server);
});

afterAll(async () => {
  agent.destroy();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await local?.close();
});

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

async function listen(target: Server): Promise<number> {
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  return (target.address() as AddressInfo).port;
}

/** One request, sent exactly as given (the path is not re-encoded). */
function send(options: Parameters<typeof sendTo>[1]): Promise<Reply> {
  return sendTo(port, options);
}

function sendTo(
  to: number,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  },
): Promise<Reply> {
  // node:http frames a GET/HEAD/DELETE/OPTIONS body only when told its length.
  const length =
    options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port: to,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { ...length, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** For a body the server refuses before reading it all: fetch copes with the early answer. */
async function viaFetch(path: string, init: RequestInit): Promise<Reply> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    text: await response.text(),
  };
}

const authorized = { authorization: `Bearer ${TOKEN}` };
const signature = (body: string | Buffer) =>
  `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

describe('query parameters on the local server', () => {
  const paths = [
    '/pipelines',
    '/pipelines/hello',
    '/pipelines/hello/deployments',
    '/deployments/nope',
    '/blockers',
    '/openapi.json',
  ];

  it('answers 400 naming a query parameter called after an Object.prototype member, on every route', async () => {
    for (const path of paths) {
      for (const name of PROTOTYPE_NAMES) {
        const reply = await send({ path: `${path}?${name}=1`, headers: authorized });

        expect({ path, name, status: reply.status }).toEqual({ path, name, status: 400 });
        expect(JSON.parse(reply.text).issues).toEqual([
          expect.objectContaining({
            path: 'query',
            message: expect.stringContaining(`unknown query parameter "${name}"`),
          }),
        ]);
      }
    }
  });

  it('ignores query parameters on the GitHub webhook, whatever their names', async () => {
    const body = '{"zen":"Design for failure."}';
    for (const name of PROTOTYPE_NAMES) {
      const reply = await send({
        method: 'POST',
        path: `/webhooks/github?${name}=1&${name}=2`,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-github-delivery': `delivery-${name}`,
          'x-hub-signature-256': signature(body),
        },
        body,
      });

      expect({ name, status: reply.status, body: reply.text }).toEqual({
        name,
        status: 200,
        body: '{"ok":true}',
      });
    }
  });

  it('reads a target that starts with "//" as a path on this server, not as another host', async () => {
    const other = await send({ path: '//evil.example/pipelines', headers: authorized });
    const empty = await send({ path: '//', headers: authorized });

    expect(other.status).toBe(404);
    expect(JSON.parse(other.text)).toEqual({ error: 'no file //evil.example/pipelines' });
    expect(empty.status).toBe(404);
  });

  it('never answers 5xx, whatever the method, path, query and header names (fast-check)', async () => {
    const dangerous = fc.constantFrom(...PROTOTYPE_NAMES, 'version', 'limit', 'cursor', 'token');
    const text = fc.oneof(
      dangerous,
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    );
    const segment = fc.oneof(
      text,
      fc.constantFrom(
        'pipelines',
        'deployments',
        'blockers',
        'webhooks',
        'github',
        'hello',
        'stop',
        '..',
        '%',
        '',
      ),
    );
    const path = fc.oneof(
      fc.constantFrom(
        '/pipelines',
        '/pipelines/hello',
        '/pipelines/hello/deployments',
        '/deployments/nope',
        '/deployments/nope/stop',
        '/blockers',
        '/openapi.json',
        '/webhooks/github',
        '/',
      ),
      fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.map(encodeURIComponent).join('/')}`),
      fc
        .tuple(fc.constantFrom('/pipelines/', '/deployments/', '/blockers/'), text)
        .map(([prefix, name]) => `${prefix}${encodeURIComponent(name)}`),
    );
    const query = fc
      .array(fc.tuple(text, text), { maxLength: 4 })
      .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
    const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
    const headerNames = fc.uniqueArray(fc.constantFrom(...PROTOTYPE_NAMES), { maxLength: 3 });

    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        query,
        headerNames,
        fc.boolean(),
        async (verb, p, q, names, withBody) => {
          const reply = await send({
            method: verb,
            path: q === '' ? p : `${p}?${q}`,
            headers: {
              ...Object.fromEntries(names.map((name) => [name, 'x'])),
              ...authorized,
              ...(withBody ? { 'content-type': 'application/json' } : {}),
            },
            ...(withBody ? { body: '{}' } : {}),
          });

          expect(reply.status, `${verb} ${p}?${q}: ${reply.text}`).toBeLessThan(500);
        },
      ),
      { numRuns: 400 },
    );
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});

describe('request bodies on the local server', () => {
  it('hands every body to the handler base64-encoded, byte for byte, as API Gateway does with binary media type */*', async () => {
    const received: { body: string | null; isBase64Encoded: boolean }[] = [];
    const recorder = createLocalServer({
      api: async (event) => {
        received.push({ body: event.body, isBase64Encoded: event.isBase64Encoded });
        return { statusCode: 204, body: '' };
      },
      token: TOKEN,
      webDir: WEB_DIR,
    });
    const recorderPort = await listen(recorder);
    const latin1 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]); // {"a":"é"} in Latin-1
    try {
      for (const body of [Buffer.from('{"a":"é"}'), latin1]) {
        await sendTo(recorderPort, {
          method: 'POST',
          path: '/blockers',
          headers: { ...authorized, 'content-type': 'application/json' },
          body,
        });
      }
      await sendTo(recorderPort, { path: '/blockers', headers: authorized });
    } finally {
      await new Promise<void>((resolve) => recorder.close(() => resolve()));
    }

    expect(received).toEqual([
      { body: Buffer.from('{"a":"é"}').toString('base64'), isBase64Encoded: true },
      { body: latin1.toString('base64'), isBase64Encoded: true },
      { body: null, isBase64Encoded: false },
    ]);
  });

  it('passes a signed push that is not valid UTF-8 to the webhook, which verifies and accepts it', async () => {
    const before = starter.started.length;
    const [head, tail] = JSON.stringify({
      ref: 'refs/heads/master',
      after: 'a'.repeat(40),
      repository: { full_name: 'Codertocat/Hello-World' },
      head_commit: { message: 'cafLATIN1-E9' },
    }).split('LATIN1-E9');
    const body = Buffer.concat([Buffer.from(head!), Buffer.from([0xe9]), Buffer.from(tail!)]);

    const reply = await send({
      method: 'POST',
      path: '/webhooks/github',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'delivery-latin1',
        'x-hub-signature-256': signature(body),
      },
      body,
    });

    expect(reply.status).toBe(202);
    expect(starter.started.slice(before)).toEqual([
      expect.objectContaining({
        pipeline: 'hello',
        change: { id: 'a'.repeat(40), description: 'caf\uFFFD' },
      }),
    ]);
  });

  // JSON.parse takes these; quoting one in an error message overflowed the stack (a 500).
  const deepArray = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
  const deepObject = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;

  it.each([
    ['POST', '/pipelines/hello/deployments', 'as the body', deepArray, ''],
    [
      'POST',
      '/pipelines/hello/deployments',
      'in change.id',
      `{"change":{"id":${deepObject}},"requestedBy":"ana"}`,
      'change.id',
    ],
    ['PUT', '/pipelines/hello', 'as the body', deepArray, ''],
    ['PUT', '/pipelines/hello', 'in name', `{"name":${deepObject},"waves":[]}`, 'name'],
  ])(
    'answers 400, not 500, to %s %s with JSON nested 5,000 deep %s, naming the value too deep to show',
    async (method, path, _where, body, at) => {
      const calls = starter.calls.length;
      const errors = log.entries.filter((e) => e.level === 'error').length;

      const reply = await send({
        method,
        path,
        headers: { ...authorized, 'content-type': 'application/json' },
        body,
      });

      expect(reply.status, reply.text).toBe(400);
      expect(JSON.parse(reply.text).issues).toContainEqual(
        expect.objectContaining({ path: at, message: expect.stringMatching(/too deep to show$/) }),
      );
      expect(starter.calls.length).toBe(calls);
      expect(log.entries.filter((e) => e.level === 'error').length).toBe(errors);
    },
  );

  it('creates a blocker from a JSON body the local server passed base64-encoded', async () => {
    const reply = await send({
      method: 'POST',
      path: '/blockers',
      headers: { ...authorized, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ scope: { kind: 'global' }, reason: 'freeze ❄', author: 'alice' }),
    });

    expect(reply.status).toBe(201);
    expect(JSON.parse(reply.text)).toMatchObject({ reason: 'freeze ❄', author: 'alice' });
  });
});

/** The headers middy's http-security-headers puts on every API Gateway response of the Lambdas. */
const SECURITY_HEADERS = {
  'strict-transport-security': expect.stringContaining('max-age='),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'origin-agent-cluster': '?1',
};

describe('Host header on the local server', () => {
  it('answers 421 with what to use instead for a Host that is not this server, and passes nothing on', async () => {
    const calls = starter.calls.length;
    const body = '{"zen":"Speak like a human."}';
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
    ]) {
      const attempts: Parameters<typeof send>[0][] = [
        { path: '/pipelines', headers: authorized },
        { path: '/', headers: {} },
        {
          method: 'POST',
          path: '/webhooks/github',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-github-delivery': 'delivery-rebound',
            'x-hub-signature-256': signature(body),
          },
          body,
        },
      ];
      for (const attempt of attempts) {
        const reply = await send({ ...attempt, headers: { ...attempt.headers, host } });

        expect({ host, path: attempt.path, status: reply.status }).toEqual({
          host,
          path: attempt.path,
          status: 421,
        });
        expect(JSON.parse(reply.text)).toEqual({
          error:
            `Host ${JSON.stringify(host)} is not this server: use 127.0.0.1:${port}, localhost:${port} or [::1]:${port} ` +
            '(requests naming another host are refused, against DNS rebinding)',
        });
        expect(reply.headers).toMatchObject(SECURITY_HEADERS);
      }
    }
    expect(starter.calls.length).toBe(calls);
  });

  it('answers 421 for an HTTP/1.0 request without a Host header (Node itself refuses HTTP/1.1 without one)', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('GET /openapi.json HTTP/1.0\r\n\r\n'));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
      socket.on('error', reject);
    });

    expect(reply).toMatch(/^HTTP\/1\.1 421 /);
    expect(reply).toContain('Host none is not this server');
  });

  it('accepts 127.0.0.1, localhost and [::1] with the port it listens on, in any case', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LocalHost:${port}`]) {
      const reply = await send({ path: '/openapi.json', headers: { host } });

      expect({ host, status: reply.status }).toEqual({ host, status: 200 });
    }
  });
});

describe('security headers on the local server', () => {
  it('are sent on every response: API results, 401, 404, 405, 413, 421 and the dashboard files', async () => {
    const replies = {
      api: await send({ path: '/blockers', headers: authorized }),
      unauthorized: await send({ path: '/blockers' }),
      noRoute: await send({ path: '/pipelines/hello/nothing', headers: authorized }),
      noFile: await send({ path: '/nothing.js' }),
      notAllowed: await send({ method: 'DELETE', path: '/index.html' }),
      tooLarge: await viaFetch(`/blockers`, {
        method: 'POST',
        headers: { ...authorized, 'content-type': 'application/json' },
        body: 'x'.repeat(1_048_577),
      }),
      misdirected: await send({ path: '/blockers', headers: { ...authorized, host: 'evil.example' } }),
      dashboard: await send({ path: '/' }),
      script: await send({ path: '/api.js' }),
    };

    expect(Object.fromEntries(Object.entries(replies).map(([k, r]) => [k, r.status]))).toEqual({
      api: 200,
      unauthorized: 401,
      noRoute: 404,
      noFile: 404,
      notAllowed: 405,
      tooLarge: 413,
      misdirected: 421,
      dashboard: 200,
      script: 200,
    });
    for (const [what, reply] of Object.entries(replies)) {
      expect({ what, ...reply.headers }).toMatchObject({ what, ...SECURITY_HEADERS });
    }
    expect(replies.dashboard.headers).toMatchObject({
      'content-security-policy': expect.stringContaining("default-src 'self'"),
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
    });
  });
});
