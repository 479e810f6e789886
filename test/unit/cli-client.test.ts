import { describe, expect, it } from 'vitest';
import {
  ApiRequestError,
  BreakwaterClient,
  clientFromFlags,
  executeApiRegion,
  parseBlockScope,
  parseExpires,
  parseVersion,
  personFromFlags,
  renderVetoResult,
  signForExecuteApi,
  withLeaveHint,
} from '../../src/cli/client.js';
import { InvalidInputError } from '../../src/core/errors.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const signingDate = new Date('2026-11-21T12:34:56Z');
const AWS_ENDPOINT = 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod';

function issuesOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('signForExecuteApi', () => {
  it('signs with SigV4 for execute-api in the given region, scoped to the signing day', async () => {
    // Prepare
    const request = {
      method: 'POST',
      url: `${AWS_ENDPOINT}/pipelines/payments-api/deployments?dry=1`,
      headers: { 'content-type': 'application/json' },
      body: '{"change":{"id":"abc"}}',
    };
    // Act
    const signed = await signForExecuteApi(request, { region: 'eu-west-1', credentials, now: signingDate });
    // Assess
    expect(signed.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261121\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*\bhost\b[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(signed.headers['x-amz-date']).toBe('20261121T123456Z');
    expect(signed.headers.authorization).toContain('content-type');
    expect(signed.headers['x-amz-security-token']).toBeUndefined();
  });

  it('gives the same signature for the same request, clock and credentials', async () => {
    const request = { method: 'GET', url: `${AWS_ENDPOINT}/blockers`, headers: {} };
    const a = await signForExecuteApi(request, { region: 'eu-west-1', credentials, now: signingDate });
    const b = await signForExecuteApi(request, { region: 'eu-west-1', credentials, now: signingDate });
    const c = await signForExecuteApi(request, {
      region: 'eu-west-1',
      credentials,
      now: new Date('2026-11-21T12:34:57Z'),
    });
    expect(a.headers.authorization).toBe(b.headers.authorization);
    expect(c.headers.authorization).not.toBe(a.headers.authorization);
  });

  it('carries the session token of temporary credentials', async () => {
    const signed = await signForExecuteApi(
      { method: 'GET', url: `${AWS_ENDPOINT}/blockers`, headers: {} },
      { region: 'eu-west-1', credentials: { ...credentials, sessionToken: 'SESSION' }, now: signingDate },
    );
    expect(signed.headers['x-amz-security-token']).toBe('SESSION');
  });
});

describe('executeApiRegion', () => {
  it.each([
    [AWS_ENDPOINT, 'eu-west-1'],
    ['https://x1.execute-api.us-gov-west-1.amazonaws.com/', 'us-gov-west-1'],
    ['https://x1.execute-api.cn-north-1.amazonaws.com.cn/prod', 'cn-north-1'],
    ['http://127.0.0.1:8787', undefined],
    ['https://deploy.example.com/api', undefined],
    ['not a url', undefined],
  ])('%s → %s', (endpoint, region) => {
    expect(executeApiRegion(endpoint)).toBe(region);
  });
});

describe('BreakwaterClient.prepare', () => {
  it('signs requests to an execute-api endpoint with the region of its host', async () => {
    const client = new BreakwaterClient({
      endpoint: AWS_ENDPOINT,
      credentials,
      clock: { nowMs: () => signingDate.getTime() },
    });
    const prepared = await client.prepare('GET', '/deployments/d-1');
    expect(client.signs).toBe(true);
    expect(prepared.url).toBe(`${AWS_ENDPOINT}/deployments/d-1`);
    expect(prepared.headers.authorization).toContain('/20261121/eu-west-1/execute-api/aws4_request');
  });

  it('signs in the --region given, and signs a custom domain when asked', async () => {
    const client = new BreakwaterClient({
      endpoint: 'https://deploy.example.com/api',
      sigv4: true,
      region: 'us-east-2',
      credentials,
      clock: { nowMs: () => signingDate.getTime() },
    });
    const prepared = await client.prepare('GET', '/blockers');
    expect(prepared.headers.authorization).toContain('/us-east-2/execute-api/aws4_request');
  });

  it('sends the bearer token to a local control plane and does not sign', async () => {
    const client = new BreakwaterClient({ endpoint: 'http://127.0.0.1:8787/', token: 't0ken' });
    const prepared = await client.prepare('POST', '/blockers', { reason: 'x' });
    expect(client.signs).toBe(false);
    expect(prepared.url).toBe('http://127.0.0.1:8787/blockers');
    expect(prepared.headers.authorization).toBe('Bearer t0ken');
    expect(prepared.headers['content-type']).toBe('application/json');
    expect(prepared.body).toBe('{"reason":"x"}');
  });

  it('refuses an endpoint that is not an http(s) URL, naming the flag', () => {
    expect(issuesOf(() => new BreakwaterClient({ endpoint: 'ftp://x' }))).toEqual([
      '--endpoint: expected an http(s) URL, got "ftp://x"',
    ]);
    expect(issuesOf(() => new BreakwaterClient({ endpoint: '127.0.0.1:8787' }))[0]).toMatch(/^--endpoint: /);
  });

  it('asks for --region when signing a custom domain', () => {
    expect(
      issuesOf(() => new BreakwaterClient({ endpoint: 'https://deploy.example.com', sigv4: true }))[0],
    ).toMatch(/^--region: /);
  });
});

describe('BreakwaterClient errors', () => {
  it('says what failed, the status code and the API error body', async () => {
    const fetch = (async () =>
      new Response(JSON.stringify({ error: 'deployment "d-1" is not running', status: 'succeeded' }), {
        status: 409,
        headers: { 'content-type': 'application/json' },
      })) as typeof globalThis.fetch;
    const client = new BreakwaterClient({ endpoint: 'http://127.0.0.1:8787', token: 't', fetch });
    const error = await client.stop('d-1', { by: 'ana', reason: 'bad' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect((error as ApiRequestError).status).toBe(409);
    expect((error as Error).message).toBe(
      'POST http://127.0.0.1:8787/deployments/d-1/stop failed: 409 deployment "d-1" is not running',
    );
  });

  it('lists every issue of a 400', async () => {
    const fetch = (async () =>
      new Response(
        JSON.stringify({
          error: 'invalid request',
          issues: [{ path: 'change.version', message: 'expected a number' }],
        }),
        { status: 400 },
      )) as typeof globalThis.fetch;
    const client = new BreakwaterClient({ endpoint: 'http://127.0.0.1:8787', fetch });
    const error = await client
      .start('payments-api', { changeId: 'c', version: '2', by: 'ana' })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain('400 invalid request\n  - change.version: expected a number');
  });

  it('sends the start request the API expects', async () => {
    let sent: { url: string; body: unknown } | undefined;
    const fetch = (async (url: string, init: RequestInit) => {
      sent = { url, body: JSON.parse(String(init.body)) };
      return new Response(JSON.stringify({ deploymentId: 'd-1', executionArn: 'arn' }), { status: 202 });
    }) as unknown as typeof globalThis.fetch;
    const client = new BreakwaterClient({ endpoint: 'http://127.0.0.1:8787', fetch });
    await client.start('payments api', { changeId: 'abc', version: '7', by: 'ana' });
    expect(sent).toEqual({
      url: 'http://127.0.0.1:8787/pipelines/payments%20api/deployments',
      body: { change: { id: 'abc', version: '7' }, requestedBy: 'ana' },
    });
  });
});

describe('argument validation', () => {
  it.each([
    ['global', { kind: 'global' }],
    ['pipeline:payments-api', { kind: 'pipeline', pipeline: 'payments-api' }],
    ['wave:payments-api/europe', { kind: 'wave', pipeline: 'payments-api', wave: 'europe' }],
    ['target:payments-api/usw2', { kind: 'target', pipeline: 'payments-api', target: 'usw2' }],
  ])('--scope %s', (text, scope) => {
    expect(parseBlockScope(text)).toEqual(scope);
  });

  it.each([
    [
      'everything',
      '--scope: expected global, pipeline:<name>, wave:<pipeline>/<wave> or target:<pipeline>/<target>, got "everything"',
    ],
    ['pipeline:', '--scope: expected pipeline:<name>, got "pipeline:"'],
    ['wave:payments-api', '--scope: expected wave:<pipeline>/<wave>, got "wave:payments-api"'],
    ['target:/usw2', '--scope: expected target:<pipeline>/<target>, got "target:/usw2"'],
    [
      'region:eu',
      '--scope: expected global, pipeline:<name>, wave:<pipeline>/<wave> or target:<pipeline>/<target>, got "region:eu"',
    ],
  ])('refuses --scope %s', (text, issue) => {
    expect(issuesOf(() => parseBlockScope(text))).toEqual([issue]);
  });

  it('accepts --expires with a zone and refuses one without', () => {
    expect(parseExpires('2026-11-24T18:00:00+01:00')).toBe('2026-11-24T17:00:00.000Z');
    expect(issuesOf(() => parseExpires('2026-11-24 18:00'))[0]).toMatch(
      /^--expires: expected an ISO 8601 time/,
    );
    expect(issuesOf(() => parseExpires('tomorrow'))[0]).toContain('got "tomorrow"');
  });

  it('accepts --version as a published version number only', () => {
    expect(parseVersion('42')).toBe('42');
    expect(issuesOf(() => parseVersion('v2'))).toEqual([
      '--version: expected a published Lambda version number like "7", got "v2"',
    ]);
  });

  it('takes the endpoint and token from the environment when no flag is given', async () => {
    const client = clientFromFlags(
      {},
      { BREAKWATER_ENDPOINT: 'http://127.0.0.1:9999', BREAKWATER_TOKEN: 'env-token' },
    );
    const prepared = await client.prepare('GET', '/blockers');
    expect(prepared.url).toBe('http://127.0.0.1:9999/blockers');
    expect(prepared.headers.authorization).toBe('Bearer env-token');
  });

  it('asks for an endpoint when there is none', () => {
    expect(issuesOf(() => clientFromFlags({}, {}))[0]).toMatch(/^--endpoint: expected the API URL/);
  });

  it('names the person from --as, else $USER, and refuses an empty name', () => {
    expect(personFromFlags({ as: 'ana' }, { USER: 'bob' })).toBe('ana');
    expect(personFromFlags({}, { USER: 'bob' })).toBe('bob');
    expect(issuesOf(() => personFromFlags({ as: ' ' }, {}))).toEqual([
      '--as: expected a name, got an empty string',
    ]);
  });
});

describe('breakwater rollback', () => {
  it('says a refused release rollback in the command flags, naming each target to leave', () => {
    const refused = new ApiRequestError('POST', 'http://127.0.0.1:8787/deployments/d1/rollback', 409, {
      error:
        'deployment "d1" cannot be rolled back as asked: euw1 was changed since by deployment d2 (change x, succeeded); apne1 was changed since by deployment d2 (change x, succeeded). Send "force": true and "leave": ["euw1", "apne1"] to roll back the other targets and leave these as they are.',
      status: 'succeeded',
      conflicts: [
        { targetId: 'euw1', waveIndex: 1, deploymentId: 'd2' },
        { targetId: 'apne1', waveIndex: 1, deploymentId: 'd2' },
      ],
    });

    const said = withLeaveHint(refused) as ApiRequestError;

    expect(said).toBeInstanceOf(ApiRequestError);
    expect(said.status).toBe(409);
    expect(said.message).toContain('euw1 was changed since by deployment d2');
    expect(said.message).not.toContain('"force"');
    expect(said.message).toMatch(/add --force --leave euw1,apne1$/);
  });

  it('leaves other errors as they are', () => {
    const other = new ApiRequestError('POST', 'u', 409, {
      error: 'deployment "d1" is running: stop it instead',
    });
    expect(withLeaveHint(other)).toBe(other);
  });
});

describe('veto and unveto', () => {
  const record = {
    pipelineName: 'payments',
    changeId: 'build/42',
    status: 'vetoed' as const,
    vetoed: { by: 'alice', reason: 'corrupts carts', at: '2026-12-07T10:00:00.000Z' },
    history: [],
  };

  it('posts the veto and the lift to the change path, the change id URL-encoded', async () => {
    const sent: { method?: string; url: string; body?: unknown }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      sent.push({
        url,
        ...(init.method ? { method: init.method } : {}),
        body: JSON.parse(String(init.body)),
      });
      return new Response(JSON.stringify({ veto: record, deployments: [] }), { status: 201 });
    }) as unknown as typeof globalThis.fetch;
    const client = new BreakwaterClient({ endpoint: 'http://127.0.0.1:8787', fetch });

    await client.veto('payments', 'build/42', { by: 'alice', reason: 'corrupts carts' });
    await client.liftVeto('payments', 'build/42', { by: 'bob', reason: 'fine' });

    expect(sent).toEqual([
      {
        method: 'POST',
        url: 'http://127.0.0.1:8787/pipelines/payments/changes/build%2F42/veto',
        body: { by: 'alice', reason: 'corrupts carts' },
      },
      {
        method: 'POST',
        url: 'http://127.0.0.1:8787/pipelines/payments/changes/build%2F42/veto/lift',
        body: { by: 'bob', reason: 'fine' },
      },
    ]);
  });

  it('says who vetoed, what each deployment of the change is now, and how to lift it', () => {
    const text = renderVetoResult(
      { veto: record, created: true, deployments: [{ deploymentId: 'd-1', status: 'rolling_back' }] },
      'vetoed',
    );

    expect(text.split('\n')).toEqual([
      'Vetoed change build/42 of payments by alice at 2026-12-07T10:00:00.000Z: corrupts carts',
      '  deployment d-1: rolling_back',
      'Lift it: breakwater unveto payments build/42 --reason <why>',
    ]);
  });
});
