import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDeploymentStore } from '../../../src/adapters/aws/dynamodb-store.js';
import type { ApiDeps } from '../../../src/api/deps.js';
import { resolvePipeline } from '../../../src/core/pipeline.js';
import { createApiHandler } from '../../../src/handlers/api.js';
import { type LocalDynamo, startLocalDynamo } from '../../../src/local/dynamo.js';
import type { DeploymentRecord, DeploymentStore } from '../../../src/ports/store.js';
import {
  ACCOUNT,
  apiEvent,
  bodyOf,
  countingStore,
  lambdaContext,
  manualClock,
  pipelineDocument,
  RecordingStarter,
  recordingLog,
  sequentialIds,
} from './support.js';

let local: LocalDynamo;
let store: DynamoDeploymentStore;
const clock = manualClock();
let unique = 0;
const fresh = (prefix: string) => `${prefix}-${++unique}`;

beforeAll(async () => {
  local = await startLocalDynamo();
  store = new DynamoDeploymentStore({ client: local.documentClient, tableName: local.tableName, clock });
});

afterAll(async () => {
  await local?.close();
});

interface Harness {
  call(
    options: Parameters<typeof apiEvent>[0],
  ): Promise<{ statusCode: number; headers: Record<string, unknown>; body: any }>;
  starter: RecordingStarter;
  calls: string[];
  log: ReturnType<typeof recordingLog>;
}

function harness(overrides: Partial<ApiDeps> & { maxBodyBytes?: number } = {}): Harness {
  const counted = countingStore(overrides.store ?? store);
  const starter = new RecordingStarter();
  const log = recordingLog();
  const handle = createApiHandler(
    {
      store: counted.store,
      starter,
      clock,
      log,
      newId: sequentialIds(fresh('id')),
      ...overrides,
      ...(overrides.store ? {} : { store: counted.store }),
    },
    overrides.maxBodyBytes !== undefined ? { maxBodyBytes: overrides.maxBodyBytes } : {},
  );
  return {
    starter,
    calls: counted.calls,
    log,
    call: async (options) => {
      counted.calls.length = 0;
      const response = await handle(apiEvent(options), lambdaContext);
      return { statusCode: response.statusCode, headers: response.headers ?? {}, body: bodyOf(response) };
    },
  };
}

async function registered(name: string, extra: Record<string, unknown> = {}) {
  return store.putPipeline(resolvePipeline(pipelineDocument(name, extra)), 'test');
}

function deploymentRecord(
  id: string,
  pipelineName: string,
  patch: Partial<DeploymentRecord> = {},
): DeploymentRecord {
  return {
    id,
    pipelineName,
    pipelineVersion: 1,
    change: { id: 'abc123', version: '7' },
    status: 'running',
    createdAt: '2026-03-02T10:00:00.000Z',
    updatedAt: '2026-03-02T10:00:00.000Z',
    requestedBy: 'alice',
    ...patch,
  };
}

let api: Harness;
beforeEach(() => {
  api = harness();
});

describe('PUT /pipelines/{name}', () => {
  it('registers versions 1 and 2 and answers 201 with the record and its location', async () => {
    const name = fresh('payments');
    const first = await api.call({ method: 'PUT', path: `/pipelines/${name}`, body: pipelineDocument(name) });
    const second = await api.call({
      method: 'PUT',
      path: `/pipelines/${name}`,
      body: pipelineDocument(name, { description: 'second' }),
    });

    expect(first.statusCode).toBe(201);
    expect(first.body).toMatchObject({
      name,
      version: 1,
      registeredBy: 'arn:aws:iam::123456789012:user/alice',
    });
    expect(first.body.definition.waves[1].targets).toHaveLength(2);
    expect(second.body.version).toBe(2);
    expect(second.headers.Location).toBe(`/pipelines/${name}?version=2`);
  });

  it('answers 400 with every problem and its path into the document', async () => {
    const name = fresh('payments');
    const doc = pipelineDocument(name);
    (doc.waves[0]!.targets[0] as Record<string, unknown>).alias = 42;
    (doc.waves[1]!.targets[0] as Record<string, unknown>).region = 'mars-1';

    const response = await api.call({ method: 'PUT', path: `/pipelines/${name}`, body: doc });

    expect(response.statusCode).toBe(400);
    expect(response.body.error).toBe('invalid request');
    expect(response.body.issues).toEqual(
      expect.arrayContaining([
        { path: 'waves[0].targets[0].alias', message: 'expected string, got 42' },
        expect.objectContaining({ path: 'waves[1].targets[0].region' }),
      ]),
    );
  });

  it('refuses a document whose name is not the name in the path', async () => {
    const response = await api.call({
      method: 'PUT',
      path: '/pipelines/payments',
      body: pipelineDocument('orders'),
    });

    expect(response.statusCode).toBe(400);
    expect(response.body.issues).toEqual([
      { path: 'name', message: 'expected "payments" (the pipeline named in the path), got "orders"' },
    ]);
  });

  it('answers 415 for a body that is not JSON and 400 for malformed JSON', async () => {
    const name = fresh('payments');
    const text = await api.call({
      method: 'PUT',
      path: `/pipelines/${name}`,
      rawBody: 'name=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const malformed = await api.call({ method: 'PUT', path: `/pipelines/${name}`, rawBody: '{"name": ' });

    expect(text.statusCode).toBe(415);
    expect(text.body).toEqual({ error: 'Unsupported Media Type' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.body.issues[0].path).toBe('');
    expect(malformed.body.issues[0].message).toMatch(/^expected a JSON document/);
  });
});

describe('GET /pipelines/{name} then PUT /pipelines/{name}', () => {
  const checkout = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../../examples/checkout.pipeline.json', import.meta.url)), 'utf8'),
  ) as Record<string, unknown>;
  // Every optional part of the format, the deprecated pollInterval included.
  const everything = (name: string) =>
    pipelineDocument(name, {
      description: 'all of it',
      source: { type: 'github', owner: 'acme', repo: 'payments', branch: 'main' },
      artifact: { type: 's3-zip', bucket: 'artifacts-{region}', key: 'payments/{change}.zip' },
      pipelining: 'queue',
      expedite: { bakeFraction: 0.5, minBake: '10m', ignoreWindows: true },
      defaults: {
        pollInterval: '1m',
        blockerAlarms: ['blocker-{target.region}'],
        window: {
          timeZone: 'Europe/Berlin',
          days: ['MON', 'TUE'],
          hours: { from: '08:00', to: '18:00' },
          blackouts: [
            '2026-12-24',
            { from: '2026-12-31T12:00:00Z', to: '2027-01-02T00:00:00Z', reason: 'new year' },
          ],
          holidays: { country: 'DE', state: 'BY' },
        },
      },
    });

  async function roundTrip(name: string, document: Record<string, unknown>) {
    const registered = await api.call({
      method: 'PUT',
      path: `/pipelines/${name}`,
      body: { ...document, name },
    });
    expect(registered.statusCode).toBe(201);
    const got = await api.call({ method: 'GET', path: `/pipelines/${name}` });
    const put = await api.call({ method: 'PUT', path: `/pipelines/${name}`, body: got.body });
    const after = await api.call({ method: 'GET', path: `/pipelines/${name}` });
    return { got, put, after };
  }

  it('takes back what GET returned, unchanged, and answers 200 that nothing changed (no new version)', async () => {
    for (const [name, document] of [
      [fresh('checkout'), checkout],
      [fresh('payments'), everything('x')],
    ] as const) {
      const { got, put, after } = await roundTrip(name, document);

      expect(put.statusCode).toBe(200);
      expect(put.body).toEqual(got.body);
      expect(put.headers['Content-Location']).toBe(`/pipelines/${name}?version=1`);
      expect(after.body).toEqual(got.body);
    }
  });

  it('registers an edited GET result as the next version, with the edit', async () => {
    const name = fresh('payments');
    const { got } = await roundTrip(name, everything(name));
    const edited = structuredClone(got.body);
    edited.definition.waves[1].concurrency = 2;

    const put = await api.call({ method: 'PUT', path: `/pipelines/${name}`, body: edited });

    expect(put.statusCode).toBe(201);
    expect(put.body).toMatchObject({ name, version: 2 });
    expect(put.body.definition).toEqual({
      ...got.body.definition,
      waves: [got.body.definition.waves[0], { ...got.body.definition.waves[1], concurrency: 2 }],
    });
  });

  it('takes the definition of a record alone, wave indexes and all', async () => {
    const name = fresh('payments');
    const { got } = await roundTrip(name, everything(name));

    const put = await api.call({ method: 'PUT', path: `/pipelines/${name}`, body: got.body.definition });

    expect(put.statusCode).toBe(200);
    expect(put.body.version).toBe(1);
  });

  it('answers 400 with paths into the record for a bad definition, a wave index out of place or another name', async () => {
    const name = fresh('payments');
    const { got } = await roundTrip(name, everything(name));
    const bad = structuredClone(got.body);
    bad.definition.waves[0].targets[0].region = 'mars-1';
    bad.definition.waves[1].index = 7;
    const renamed = { ...structuredClone(got.body), name: 'orders' };

    const invalid = await api.call({ method: 'PUT', path: `/pipelines/${name}`, body: bad });
    const misnamed = await api.call({ method: 'PUT', path: `/pipelines/${name}`, body: renamed });

    expect(invalid.statusCode).toBe(400);
    expect(invalid.body.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'definition.waves[0].targets[0].region' }),
        { path: 'definition.waves[1].index', message: "expected 1 (the wave's position), got 7" },
      ]),
    );
    expect(misnamed.statusCode).toBe(400);
    expect(misnamed.body.issues).toEqual([
      { path: 'name', message: `expected "${name}" (the pipeline named in the path), got "orders"` },
    ]);
  });
});

describe('GET /pipelines and /pipelines/{name}', () => {
  it('lists pipelines and reads the latest or a given version, each in one store call', async () => {
    const name = fresh('payments');
    await registered(name);
    await registered(name, { description: 'second' });

    const list = await api.call({ method: 'GET', path: '/pipelines' });
    expect(list.statusCode).toBe(200);
    expect(list.body.items.find((p: { name: string }) => p.name === name)).toMatchObject({ version: 2 });
    expect(api.calls).toEqual(['listPipelines']);

    const latest = await api.call({ method: 'GET', path: `/pipelines/${name}` });
    expect(latest.body).toMatchObject({ name, version: 2, definition: { description: 'second' } });
    expect(api.calls).toEqual(['getPipeline']);

    const first = await api.call({ method: 'GET', path: `/pipelines/${name}`, query: { version: '1' } });
    expect(first.body.version).toBe(1);
    expect(first.body.definition.description).toBeUndefined();
  });

  it('answers 404 for an unknown pipeline or version and 400 for a version that is not a number', async () => {
    const name = fresh('payments');
    await registered(name);

    expect((await api.call({ method: 'GET', path: '/pipelines/nope' })).statusCode).toBe(404);
    const missingVersion = await api.call({
      method: 'GET',
      path: `/pipelines/${name}`,
      query: { version: '9' },
    });
    expect(missingVersion).toMatchObject({
      statusCode: 404,
      body: { error: `no version 9 of pipeline "${name}"` },
    });
    const bad = await api.call({ method: 'GET', path: `/pipelines/${name}`, query: { version: 'latest' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.issues[0].path).toBe('query.version');
  });
});

describe('GET /pipelines/{name}/deployments', () => {
  it('pages through deployments newest first with nextCursor', async () => {
    const name = fresh('payments');
    await registered(name);
    for (let i = 1; i <= 5; i++) {
      await store.createDeployment(
        deploymentRecord(`${name}-d${i}`, name, { createdAt: `2026-03-02T10:0${i}:00.000Z` }),
      );
    }

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.call({
        method: 'GET',
        path: `/pipelines/${name}/deployments`,
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      expect(page.statusCode).toBe(200);
      expect(api.calls.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((d: DeploymentRecord) => d.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);

    expect(seen).toEqual([5, 4, 3, 2, 1].map((i) => `${name}-d${i}`));
  });

  it('answers 400 for a bad limit or cursor and 404 for an unknown pipeline', async () => {
    const name = fresh('payments');
    await registered(name);

    const limit = await api.call({
      method: 'GET',
      path: `/pipelines/${name}/deployments`,
      query: { limit: '0' },
    });
    const cursor = await api.call({
      method: 'GET',
      path: `/pipelines/${name}/deployments`,
      query: { cursor: 'garbage' },
    });
    const unknown = await api.call({ method: 'GET', path: '/pipelines/nope/deployments' });

    expect(limit.statusCode).toBe(400);
    expect(limit.body.issues[0].path).toBe('query.limit');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.body.issues[0].path).toBe('query.cursor');
    expect(unknown.statusCode).toBe(404);
  });
});

describe('POST /pipelines/{name}/deployments', () => {
  it('starts the workflow with a new id, pinned to the version checked, and answers 202', async () => {
    const name = fresh('payments');
    const record = await registered(name);

    const response = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/deployments`,
      body: { change: { id: 'abc123', version: '7', description: 'fix rounding' }, requestedBy: 'alice' },
    });

    expect(response.statusCode).toBe(202);
    const { deploymentId, executionArn } = response.body;
    expect(executionArn).toContain(deploymentId);
    expect(response.headers.Location).toBe(`/deployments/${deploymentId}`);
    expect(api.starter.started).toEqual([
      {
        pipeline: name,
        pipelineVersion: record.version,
        change: { id: 'abc123', version: '7', description: 'fix rounding' },
        requestedBy: 'alice',
        deploymentId,
      },
    ]);
  });

  it('passes an expedite request on when the pipeline has an expedite policy', async () => {
    const name = fresh('payments');
    await registered(name, { expedite: { bakeFraction: 0.25, minBake: '5m' } });

    const response = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/deployments`,
      body: { change: { id: 'abc', version: '8' }, requestedBy: 'alice', expedite: { reason: 'sev2 fix' } },
    });

    expect(response.statusCode).toBe(202);
    expect(api.starter.started[0]?.expedite).toEqual({ reason: 'sev2 fix' });
  });

  it('answers 400 naming change.versions when a versions pipeline gets no version, and starts nothing', async () => {
    const name = fresh('payments');
    await registered(name);

    const response = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/deployments`,
      body: { change: { id: 'abc', versions: { use1: '3' } }, requestedBy: 'alice' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.body.issues.map((i: { path: string }) => i.path)).toEqual([
      'change.versions.euw1',
      'change.versions.apne1',
    ]);
    expect(api.starter.calls).toEqual([]);
  });

  it('answers 400 with the path of each bad field of the body', async () => {
    const name = fresh('payments');
    await registered(name);

    const response = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/deployments`,
      body: { change: { version: 'v7' }, requestedBy: '', colour: 'blue' },
    });

    expect(response.statusCode).toBe(400);
    const paths = response.body.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['change.id', 'change.version', 'requestedBy', '']));
    expect(response.body.issues.find((i: { path: string }) => i.path === 'change.id').message).toBe(
      'expected string, got nothing',
    );
  });

  it('answers 400 for an expedite request on a pipeline without an expedite policy', async () => {
    const name = fresh('payments');
    await registered(name);

    const response = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/deployments`,
      body: { change: { id: 'abc', version: '8' }, requestedBy: 'alice', expedite: { reason: 'hurry' } },
    });

    expect(response.statusCode).toBe(400);
    expect(response.body.issues[0].path).toBe('expedite');
  });

  it('answers 404 for an unknown pipeline', async () => {
    const response = await api.call({
      method: 'POST',
      path: '/pipelines/nope/deployments',
      body: { change: { id: 'abc', version: '1' }, requestedBy: 'alice' },
    });

    expect(response).toMatchObject({ statusCode: 404, body: { error: 'no pipeline "nope"' } });
  });
});

describe('GET /deployments/{id}', () => {
  it('returns waves with targets, weights, bake progress, alarms, blockers, timeline and overrides in two store calls', async () => {
    const name = fresh('payments');
    await registered(name);
    const id = fresh('dep');
    await store.createDeployment(deploymentRecord(id, name, { currentWave: 0 }));
    await store.putWave({
      deploymentId: id,
      index: 0,
      name: 'canary',
      status: 'baking',
      startedAt: '2026-03-02T10:01:00.000Z',
      bake: {
        phase: 'one-box',
        startedAt: '2026-03-02T10:02:00.000Z',
        durationSeconds: 1800,
        minDataPoints: 100,
        dataPoints: 42,
        verdict: 'baking',
        alarms: [{ name: 'payments-errors-us-east-1', state: 'OK' }],
      },
    });
    await store.putWave({
      deploymentId: id,
      index: 1,
      name: 'world',
      status: 'waiting',
      blocked: {
        since: '2026-03-02T10:03:00.000Z',
        blockers: [{ id: 'window', kind: 'window', description: 'time window closed' }],
      },
    });
    await store.putTarget({
      deploymentId: id,
      waveIndex: 0,
      targetId: 'use1',
      status: 'one_box',
      weight: 10,
      previousVersion: '6',
      newVersion: '7',
      updatedAt: '2026-03-02T10:02:00.000Z',
    });
    await store.appendEvent({
      deploymentId: id,
      at: '2026-03-02T10:00:00.000Z',
      key: 'deployment-started',
      type: 'deployment-started',
      message: 'started',
    });
    await store.putOverride({
      deploymentId: id,
      blockerId: 'window',
      by: 'bob',
      reason: 'customer waiting',
      at: '2026-03-02T10:04:00.000Z',
    });

    const response = await api.call({ method: 'GET', path: `/deployments/${id}` });

    expect(response.statusCode).toBe(200);
    expect(api.calls).toEqual(['getDeploymentView', 'getPipeline']);
    const { deployment, waves, events, overrides } = response.body;
    expect(deployment).toMatchObject({ id, status: 'running', change: { id: 'abc123' } });
    expect(waves).toHaveLength(2);
    expect(waves[0]).toMatchObject({
      index: 0,
      status: 'baking',
      bake: {
        dataPoints: 42,
        minDataPoints: 100,
        alarms: [{ name: 'payments-errors-us-east-1', state: 'OK' }],
      },
      targets: [{ targetId: 'use1', status: 'one_box', weight: 10, previousVersion: '6', newVersion: '7' }],
    });
    expect(waves[1]).toMatchObject({
      status: 'waiting',
      blocked: { blockers: [{ id: 'window' }] },
      targets: [
        { targetId: 'euw1', status: 'pending', weight: 0 },
        { targetId: 'apne1', status: 'pending', weight: 0 },
      ],
    });
    expect(events.map((e: { key: string }) => e.key)).toEqual(['deployment-started']);
    expect(overrides).toEqual([expect.objectContaining({ blockerId: 'window', by: 'bob' })]);
  });

  it('answers 404 for an unknown deployment after one store call', async () => {
    const response = await api.call({ method: 'GET', path: '/deployments/nope' });

    expect(response).toMatchObject({ statusCode: 404, body: { error: 'no deployment "nope"' } });
    expect(api.calls).toEqual(['getDeploymentView']);
  });

  it('answers 400 naming path.id for an id that cannot be a deployment id', async () => {
    const response = await api.call({ method: 'GET', path: '/deployments/has.dots' });

    expect(response.statusCode).toBe(400);
    expect(response.body.issues[0].path).toBe('path.id');
  });
});

describe('POST /deployments/{id}/stop', () => {
  it('sets the cancel request of a running deployment and answers 202', async () => {
    const id = fresh('dep');
    await store.createDeployment(deploymentRecord(id, 'payments'));

    const response = await api.call({
      method: 'POST',
      path: `/deployments/${id}/stop`,
      body: { by: 'bob', reason: 'customer reports errors' },
    });

    expect(response.statusCode).toBe(202);
    expect(response.body.cancelRequest).toEqual({
      by: 'bob',
      reason: 'customer reports errors',
      at: expect.any(String),
    });
    expect((await store.getDeployment(id))?.cancelRequest?.by).toBe('bob');
  });

  it('answers 409 with the status of a finished deployment', async () => {
    const id = fresh('dep');
    await store.createDeployment(deploymentRecord(id, 'payments', { status: 'succeeded' }));

    const response = await api.call({
      method: 'POST',
      path: `/deployments/${id}/stop`,
      body: { by: 'bob', reason: 'x' },
    });

    expect(response.statusCode).toBe(409);
    expect(response.body).toEqual({
      error: `deployment "${id}" is succeeded: only a running deployment can be stopped`,
      status: 'succeeded',
    });
  });

  it('answers 404 for an unknown deployment and 400 for a missing reason', async () => {
    const unknown = await api.call({
      method: 'POST',
      path: '/deployments/nope/stop',
      body: { by: 'bob', reason: 'x' },
    });
    const noReason = await api.call({ method: 'POST', path: '/deployments/nope/stop', body: { by: 'bob' } });

    expect(unknown.statusCode).toBe(404);
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body.issues).toEqual([{ path: 'reason', message: 'expected string, got nothing' }]);
  });
});

describe('POST /deployments/{id}/rollback', () => {
  /** A succeeded release of `name` on its three targets; `owners` says who took each alias since. */
  async function release(owners: Record<string, string> = {}) {
    const name = fresh('rel');
    await registered(name);
    const id = fresh('dep');
    await store.createDeployment(
      deploymentRecord(id, name, { status: 'succeeded', endedAt: '2026-03-02T12:00:00.000Z' }),
    );
    const targets = [
      ['use1', 0, 'us-east-1'],
      ['euw1', 1, 'eu-west-1'],
      ['apne1', 1, 'ap-northeast-1'],
    ] as const;
    for (const [targetId, waveIndex, region] of targets) {
      await store.putTarget({
        deploymentId: id,
        waveIndex,
        targetId,
        status: 'deployed',
        previousVersion: '6',
        newVersion: '7',
        weight: 100,
        updatedAt: '2026-03-02T11:00:00.000Z',
      });
      await store.putAliasOwner({
        aliasKey: `${ACCOUNT}:${region}:${name}-fn:live`,
        deploymentId: owners[targetId] ?? id,
        waveIndex,
        targetId,
        version: '7',
        at: '2026-03-02T11:00:00.000Z',
      });
    }
    return id;
  }

  it('records who asked and why, starts the ReleaseRollback workflow and answers 202', async () => {
    const id = await release();

    const response = await api.call({
      method: 'POST',
      path: `/deployments/${id}/rollback`,
      body: { by: 'bob', reason: 'error budget burn', mode: 'reverse-waves' },
    });

    expect(response.statusCode).toBe(202);
    expect(response.headers.Location).toBe(`/deployments/${id}`);
    expect(response.body.deployment).toMatchObject({
      status: 'rolling_back',
      releaseRollback: {
        by: 'bob',
        reason: 'error budget burn',
        mode: 'reverse-waves',
        leave: [],
        releasedAt: '2026-03-02T12:00:00.000Z',
      },
      rollback: { triggeredBy: 'release-rollback' },
    });
    expect(api.starter.releaseRollbacks).toEqual([id]);
    const view = await store.getDeploymentView(id);
    expect(view?.events.find((e) => e.type === 'release-rollback-requested')?.data).toMatchObject({
      by: 'bob',
    });
  });

  it('answers 409 naming each target a newer deployment changed, with `conflicts`, and changes nothing', async () => {
    const id = await release({ euw1: 'newer-1' });

    const response = await api.call({
      method: 'POST',
      path: `/deployments/${id}/rollback`,
      body: { by: 'bob', reason: 'x' },
    });

    expect(response.statusCode).toBe(409);
    expect(response.body.status).toBe('succeeded');
    expect(response.body.conflicts).toEqual([{ targetId: 'euw1', waveIndex: 1, deploymentId: 'newer-1' }]);
    expect(response.body.error).toContain('euw1 was changed since by deployment newer-1');
    expect(response.body.error).toContain('Send "force": true and "leave": ["euw1"]');
    expect((await store.getDeployment(id))?.status).toBe('succeeded');
    expect(api.starter.releaseRollbacks).toEqual([]);
  });

  it('with force and the changed targets in leave, rolls back the others and records what it leaves', async () => {
    const id = await release({ euw1: 'newer-1' });

    const response = await api.call({
      method: 'POST',
      path: `/deployments/${id}/rollback`,
      body: { by: 'bob', reason: 'x', force: true, leave: ['euw1'] },
    });

    expect(response.statusCode).toBe(202);
    expect(response.body.deployment.releaseRollback.leave).toEqual([
      { targetId: 'euw1', deploymentId: 'newer-1' },
    ]);
  });

  it('answers 400 for leave without force, and 409 for a deployment that is not a succeeded release', async () => {
    const id = await release();
    const running = fresh('dep');
    await store.createDeployment(deploymentRecord(running, 'payments'));

    const noForce = await api.call({
      method: 'POST',
      path: `/deployments/${id}/rollback`,
      body: { by: 'bob', reason: 'x', leave: ['euw1'] },
    });
    const notFinished = await api.call({
      method: 'POST',
      path: `/deployments/${running}/rollback`,
      body: { by: 'bob', reason: 'x' },
    });

    expect(noForce.statusCode).toBe(400);
    expect(noForce.body.issues).toEqual([
      {
        path: 'leave',
        message:
          '"leave" only counts with "force": true (it names the targets a forced rollback leaves as they are)',
      },
    ]);
    expect(notFinished.statusCode).toBe(409);
    expect(notFinished.body.error).toContain('stop it instead');
  });
});

describe('POST /deployments/{id}/expedite/approve', () => {
  const expedite = { requestedBy: 'alice', reason: 'sev2 fix', requestedAt: '2026-03-02T10:00:00.000Z' };

  it('records the approval of someone other than the requester', async () => {
    const id = fresh('dep');
    await store.createDeployment(deploymentRecord(id, 'payments', { expedite }));

    const response = await api.call({
      method: 'POST',
      path: `/deployments/${id}/expedite/approve`,
      body: { by: 'bob' },
    });

    expect(response.statusCode).toBe(200);
    expect(response.body.expedite).toEqual({
      ...expedite,
      approvedBy: 'bob',
      approvedAt: expect.any(String),
    });
    expect((await store.getDeployment(id))?.expedite?.approvedBy).toBe('bob');
  });

  it('answers 403 when the requester approves their own request', async () => {
    const id = fresh('dep');
    await store.createDeployment(deploymentRecord(id, 'payments', { expedite }));

    const response = await api.call({
      method: 'POST',
      path: `/deployments/${id}/expedite/approve`,
      body: { by: 'Alice' },
    });

    expect(response.statusCode).toBe(403);
    expect((await store.getDeployment(id))?.expedite?.approvedBy).toBeUndefined();
  });

  it('answers 409 when nothing was requested or it is already approved, and 404 for an unknown deployment', async () => {
    const none = fresh('dep');
    const done = fresh('dep');
    await store.createDeployment(deploymentRecord(none, 'payments'));
    await store.createDeployment(
      deploymentRecord(done, 'payments', {
        expedite: { ...expedite, approvedBy: 'carol', approvedAt: '2026-03-02T10:05:00.000Z' },
      }),
    );

    const notRequested = await api.call({
      method: 'POST',
      path: `/deployments/${none}/expedite/approve`,
      body: { by: 'bob' },
    });
    const approved = await api.call({
      method: 'POST',
      path: `/deployments/${done}/expedite/approve`,
      body: { by: 'bob' },
    });
    const unknown = await api.call({
      method: 'POST',
      path: '/deployments/nope/expedite/approve',
      body: { by: 'bob' },
    });

    expect(notRequested).toMatchObject({
      statusCode: 409,
      body: { error: `deployment "${none}" has no expedite request` },
    });
    expect(approved.statusCode).toBe(409);
    expect(approved.body.error).toContain('already approved by carol');
    expect(unknown.statusCode).toBe(404);
  });
});

describe('POST /deployments/{id}/overrides', () => {
  it('records the override and puts it on the timeline', async () => {
    const id = fresh('dep');
    await store.createDeployment(deploymentRecord(id, 'payments'));

    const response = await api.call({
      method: 'POST',
      path: `/deployments/${id}/overrides`,
      body: { blockerId: 'manual:freeze-1', by: 'bob', reason: 'the freeze does not cover this service' },
    });

    expect(response.statusCode).toBe(201);
    expect(response.body).toMatchObject({ deploymentId: id, blockerId: 'manual:freeze-1', by: 'bob' });
    const view = await store.getDeploymentView(id);
    expect(view?.overrides).toEqual([expect.objectContaining({ blockerId: 'manual:freeze-1' })]);
    expect(view?.events).toEqual([
      expect.objectContaining({ key: 'override:manual:freeze-1', type: 'blocker-overridden' }),
    ]);
  });

  it('answers 422 for an alarm blocker without fixesAlarm and 201 with it', async () => {
    const id = fresh('dep');
    await store.createDeployment(deploymentRecord(id, 'payments'));
    const body = { blockerId: 'alarm:payments-errors', by: 'bob', reason: 'this is the fix' };

    const refused = await api.call({ method: 'POST', path: `/deployments/${id}/overrides`, body });
    const accepted = await api.call({
      method: 'POST',
      path: `/deployments/${id}/overrides`,
      body: { ...body, fixesAlarm: true },
    });

    expect(refused.statusCode).toBe(422);
    expect(refused.body.error).toContain('fixesAlarm');
    expect(accepted.statusCode).toBe(201);
    expect(accepted.body.fixesAlarm).toBe(true);
  });

  it('answers 409 for a finished deployment, 404 for an unknown one and 400 for a bad blocker id', async () => {
    const id = fresh('dep');
    await store.createDeployment(deploymentRecord(id, 'payments', { status: 'rolled_back' }));
    const body = { blockerId: 'window', by: 'bob', reason: 'r' };

    const finished = await api.call({ method: 'POST', path: `/deployments/${id}/overrides`, body });
    const unknown = await api.call({ method: 'POST', path: '/deployments/nope/overrides', body });
    const bad = await api.call({
      method: 'POST',
      path: `/deployments/${id}/overrides`,
      body: { ...body, blockerId: 'everything' },
    });

    expect(finished).toMatchObject({ statusCode: 409, body: { status: 'rolled_back' } });
    expect(unknown.statusCode).toBe(404);
    expect(bad.statusCode).toBe(400);
    expect(bad.body.issues[0].path).toBe('blockerId');
  });
});

describe('vetoes: POST /pipelines/{name}/changes/{change}/veto, .../veto/lift, GET /pipelines/{name}/vetoes', () => {
  const veto = { by: 'alice', reason: 'corrupts carts' };

  it('vetoes a change (201), marks every deployment of it, begins the rollback of a running one, and leaves other changes alone', async () => {
    const name = fresh('veto-pipe');
    await registered(name);
    const running = fresh('dep');
    const ended = fresh('dep');
    const other = fresh('dep');
    await store.createDeployment(deploymentRecord(running, name, { change: { id: 'bad' } }));
    await store.createDeployment(
      deploymentRecord(ended, name, {
        change: { id: 'bad' },
        status: 'succeeded',
        createdAt: '2026-03-01T10:00:00.000Z',
      }),
    );
    await store.createDeployment(deploymentRecord(other, name, { change: { id: 'good' } }));

    const response = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/changes/bad/veto`,
      body: veto,
    });

    expect(response.statusCode).toBe(201);
    expect(response.body).toMatchObject({
      created: true,
      veto: { pipelineName: name, changeId: 'bad', status: 'vetoed', vetoed: veto },
    });
    expect(response.body.deployments).toEqual(
      expect.arrayContaining([
        { deploymentId: running, status: 'rolling_back' },
        { deploymentId: ended, status: 'succeeded' },
      ]),
    );
    expect(response.body.deployments).toHaveLength(2);
    const rolling = await store.getDeploymentView(running);
    expect(rolling?.deployment.veto).toMatchObject(veto);
    expect(rolling?.deployment.rollback).toMatchObject({
      triggeredBy: 'veto',
      reason: expect.stringContaining('vetoed by alice'),
    });
    expect(rolling?.events.find((e) => e.type === 'change-vetoed')?.data).toEqual(veto);
    expect((await store.getDeployment(ended))?.veto).toMatchObject(veto);
    expect((await store.getDeployment(other))?.veto).toBeUndefined();
  });

  it('answers 200 and keeps the first veto when the change is vetoed again', async () => {
    const name = fresh('veto-pipe');
    await registered(name);
    await api.call({ method: 'POST', path: `/pipelines/${name}/changes/bad/veto`, body: veto });

    const again = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/changes/bad/veto`,
      body: { by: 'bob', reason: 'me too' },
    });

    expect(again.statusCode).toBe(200);
    expect(again.body).toMatchObject({ created: false, veto: { vetoed: veto } });
  });

  it('lifts a veto (recorded on the deployments and their timeline) and lists it with its history', async () => {
    const name = fresh('veto-pipe');
    await registered(name);
    const dep = fresh('dep');
    await store.createDeployment(
      deploymentRecord(dep, name, { change: { id: 'bad' }, status: 'rolled_back' }),
    );
    await api.call({ method: 'POST', path: `/pipelines/${name}/changes/bad/veto`, body: veto });
    clock.advance(60_000);

    const lifted = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/changes/bad/veto/lift`,
      body: { by: 'bob', reason: 'another bug' },
    });
    const listed = await api.call({ method: 'GET', path: `/pipelines/${name}/vetoes` });

    expect(lifted.statusCode).toBe(200);
    expect(lifted.body).toMatchObject({
      lifted: true,
      veto: { status: 'lifted', lifted: { by: 'bob', reason: 'another bug' } },
    });
    const view = await store.getDeploymentView(dep);
    expect(view?.deployment.veto).toMatchObject({ ...veto, lifted: { by: 'bob', reason: 'another bug' } });
    expect(view?.events.find((e) => e.type === 'change-veto-lifted')?.data).toEqual({
      by: 'bob',
      reason: 'another bug',
    });
    expect(listed.statusCode).toBe(200);
    expect(
      listed.body.items.map((v: { changeId: string; history: unknown[] }) => [v.changeId, v.history.length]),
    ).toEqual([['bad', 2]]);
  });

  it('answers 404 for an unknown pipeline or a change never vetoed, and 400 without a reason', async () => {
    const name = fresh('veto-pipe');
    await registered(name);

    const unknown = await api.call({ method: 'POST', path: '/pipelines/nope/changes/bad/veto', body: veto });
    const never = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/changes/never/veto/lift`,
      body: { by: 'bob', reason: 'x' },
    });
    const noReason = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/changes/bad/veto`,
      body: { by: 'alice' },
    });
    const list = await api.call({ method: 'GET', path: '/pipelines/nope/vetoes' });

    expect(unknown.statusCode).toBe(404);
    expect(unknown.body.error).toBe('no pipeline "nope"');
    expect(never.statusCode).toBe(404);
    expect(never.body.error).toContain('was never vetoed');
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body.issues).toEqual([{ path: 'reason', message: 'expected string, got nothing' }]);
    expect(list.statusCode).toBe(404);
  });

  it('refuses a hand start of a vetoed change with 409 naming the veto and how to lift it', async () => {
    const name = fresh('veto-pipe');
    await registered(name);
    await api.call({ method: 'POST', path: `/pipelines/${name}/changes/bad/veto`, body: veto });

    const refused = await api.call({
      method: 'POST',
      path: `/pipelines/${name}/deployments`,
      body: { change: { id: 'bad', version: '7' }, requestedBy: 'carol' },
    });

    expect(refused.statusCode).toBe(409);
    expect(refused.body.error).toMatch(
      new RegExp(
        `change bad was vetoed by alice at .*: corrupts carts; .*POST /pipelines/${name}/changes/bad/veto/lift`,
      ),
    );
    expect(api.starter.calls).toEqual([]);
  });
});

describe('/blockers', () => {
  it('creates, lists and deletes a blocker', async () => {
    const created = await api.call({
      method: 'POST',
      path: '/blockers',
      body: {
        scope: { kind: 'pipeline', pipeline: 'payments' },
        reason: 'incident 42',
        author: 'alice',
        expiresAt: '2026-03-03T10:00:00Z',
      },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.body;
    expect(created.body).toMatchObject({
      scope: { kind: 'pipeline', pipeline: 'payments' },
      expiresAt: '2026-03-03T10:00:00.000Z',
    });

    const list = await api.call({ method: 'GET', path: '/blockers' });
    expect(list.body.items.map((b: { id: string }) => b.id)).toContain(id);
    expect(api.calls).toEqual(['listBlockers']);

    const removed = await api.call({ method: 'DELETE', path: `/blockers/${id}` });
    expect(removed).toMatchObject({ statusCode: 204, body: undefined });
    const again = await api.call({ method: 'DELETE', path: `/blockers/${id}` });
    expect(again.statusCode).toBe(404);
  });

  it('answers 400 for a bad scope or an expiry in the past', async () => {
    const badScope = await api.call({
      method: 'POST',
      path: '/blockers',
      body: { scope: { kind: 'wave', pipeline: 'payments' }, reason: 'r', author: 'alice' },
    });
    const past = await api.call({
      method: 'POST',
      path: '/blockers',
      body: { scope: { kind: 'global' }, reason: 'r', author: 'alice', expiresAt: '2020-01-01T00:00:00Z' },
    });

    expect(badScope.statusCode).toBe(400);
    expect(badScope.body.issues[0].path).toBe('scope.wave');
    expect(past.statusCode).toBe(400);
    expect(past.body.issues[0].path).toBe('expiresAt');
  });

  it('answers 409 when a blocker with the new id exists', async () => {
    const id = fresh('blocker');
    const sameId = harness({ newId: () => id });
    const body = { scope: { kind: 'global' }, reason: 'r', author: 'alice' };

    expect((await sameId.call({ method: 'POST', path: '/blockers', body })).statusCode).toBe(201);
    expect((await sameId.call({ method: 'POST', path: '/blockers', body })).statusCode).toBe(409);
  });
});

describe('query parameters', () => {
  const prototypeNames = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
  // API Gateway builds the query object with JSON.parse: each name is an own property.
  const queryNamed = (name: string) => JSON.parse(`{${JSON.stringify(name)}: "1"}`) as Record<string, string>;

  it('answers 400 naming a query parameter a route does not take, even one named after Object.prototype', async () => {
    const name = fresh('payments');
    await registered(name);
    const routes = [
      { method: 'GET', path: '/pipelines', accepts: 'takes no query parameters' },
      { method: 'GET', path: `/pipelines/${name}`, accepts: 'accepts "version"' },
      { method: 'GET', path: `/pipelines/${name}/deployments`, accepts: 'accepts "limit", "cursor"' },
      { method: 'GET', path: '/deployments/nope', accepts: 'takes no query parameters' },
      { method: 'GET', path: '/blockers', accepts: 'takes no query parameters' },
      { method: 'GET', path: '/openapi.json', accepts: 'takes no query parameters' },
      { method: 'DELETE', path: '/blockers/nope', accepts: 'takes no query parameters' },
      { method: 'POST', path: '/blockers', body: {}, accepts: 'takes no query parameters' },
      { method: 'PUT', path: `/pipelines/${name}`, body: {}, accepts: 'takes no query parameters' },
      { method: 'POST', path: '/deployments/nope/stop', body: {}, accepts: 'takes no query parameters' },
    ];

    for (const route of routes) {
      for (const parameter of prototypeNames) {
        const response = await api.call({ ...route, query: queryNamed(parameter) });

        expect({ route: route.path, parameter, ...response }).toMatchObject({
          statusCode: 400,
          body: {
            error: 'invalid request',
            issues: [
              {
                path: 'query',
                message: `unknown query parameter "${parameter}": this route ${route.accepts}`,
              },
            ],
          },
        });
      }
    }
  });

  it('reports only the unknown parameter when it comes with one the route takes', async () => {
    const name = fresh('payments');
    await registered(name);

    const response = await api.call({
      method: 'GET',
      path: `/pipelines/${name}`,
      query: { version: '1', ...queryNamed('constructor') },
    });

    expect(response.statusCode).toBe(400);
    expect(response.body.issues).toEqual([
      { path: 'query', message: 'unknown query parameter "constructor": this route accepts "version"' },
    ]);
  });
});

describe('errors and headers', () => {
  it('answers a plain 500 with the request id for an unexpected error, and logs the details instead', async () => {
    const broken = new Proxy(store, {
      get: (target, prop, receiver) =>
        prop === 'listPipelines'
          ? async () => {
              throw new TypeError('connection string postgres://admin:hunter2@db is invalid');
            }
          : Reflect.get(target, prop, receiver),
    }) as DeploymentStore;
    const failing = harness({ store: broken });

    const response = await failing.call({ method: 'GET', path: '/pipelines' });

    expect(response.statusCode).toBe(500);
    expect(response.body).toEqual({ error: 'internal error', requestId: 'lambda-request-1' });
    expect(JSON.stringify(response)).not.toMatch(/hunter2|TypeError|at /);
    expect(failing.log.entries).toEqual([
      expect.objectContaining({
        level: 'error',
        extra: expect.objectContaining({
          requestId: 'lambda-request-1',
          error: expect.objectContaining({ name: 'TypeError', stack: expect.stringContaining('hunter2') }),
        }),
      }),
    ]);
  });

  it('answers 404 JSON for a route that does not exist', async () => {
    const response = await api.call({ method: 'GET', path: '/nothing/here' });

    expect(response).toMatchObject({ statusCode: 404, body: { error: 'no route GET /nothing/here' } });
  });

  it('answers 413 for a body larger than the limit, before parsing it', async () => {
    const small = harness({ maxBodyBytes: 100 });

    const response = await small.call({
      method: 'POST',
      path: '/blockers',
      rawBody: JSON.stringify({ reason: 'x'.repeat(200) }),
    });

    expect(response.statusCode).toBe(413);
    expect(response.body.error).toMatch(/limit is 100 bytes/);
  });

  it('sets security headers on successes and errors', async () => {
    const ok = await api.call({ method: 'GET', path: '/blockers' });
    const notFound = await api.call({ method: 'GET', path: '/deployments/nope' });

    for (const response of [ok, notFound]) {
      expect(response.headers).toMatchObject({
        'Strict-Transport-Security': expect.stringContaining('max-age'),
        'X-Content-Type-Options': 'nosniff',
        'Content-Type': 'application/json; charset=utf-8',
      });
    }
  });
});
