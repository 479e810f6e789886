import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStore } from '../../src/adapters/aws/dynamodb-store.js';
import { keys, PK, SK } from '../../src/adapters/aws/table.js';
import { ApiRequestError, BreakwaterClient } from '../../src/cli/client.js';
import { type LocalDynamo, startLocalDynamo } from '../../src/local/dynamo.js';
import type { DeploymentStore } from '../../src/ports/store.js';
import { bootServe, callServe, type ServeProcess, stopServe } from '../support/serve.js';

/*
 * `breakwater serve` as a user runs it (a child process with its own virtual clock), driven
 * through the CLI client: start, status, block/unblock, stop; then a restart on the same data
 * folder keeps deployments, blockers and the clock.
 */

/** Ten virtual minutes per wall second: slow enough to stop a deployment while it runs. */
const SPEED = 600;

type Serve = ServeProcess;
const bootAt = (dataDir: string) => bootServe({ dataDir, speed: SPEED });

/** The control plane's clock, from the header every API response carries. */
async function serverNow(serve: Serve): Promise<number> {
  const response = await fetch(`${serve.url}/blockers`, {
    headers: { authorization: `Bearer ${serve.token}` },
  });
  return Date.parse(response.headers.get('x-breakwater-now') ?? '');
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch((error: unknown) => {
      if (error instanceof ApiRequestError && error.status === 404) return undefined;
      throw error;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('breakwater serve', () => {
  let dataDir: string;
  let serve: Serve;
  let client: BreakwaterClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'breakwater-serve-'));
    serve = await bootAt(dataDir);
    client = new BreakwaterClient({ endpoint: serve.url, token: serve.token });
  });

  afterAll(async () => {
    if (serve) await stopServe(serve);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers the example pipelines once and prints the dashboard URL and webhook secret', () => {
    expect(serve.output).toMatch(/Registered: +.*payments-api v1/);
    expect(serve.output).toMatch(/Dashboard:\s+http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
    expect(serve.output).toMatch(
      /GitHub webhook: POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/github\s+secret: \S{16,}/,
    );
    expect(readFileSync(join(dataDir, 'token'), 'utf8').trim()).toBe(serve.token);
  });

  it('refuses API calls without the token, bodies over 1 MiB and unsigned webhooks, with JSON errors', async () => {
    const anonymous = await fetch(`${serve.url}/blockers`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: expect.stringContaining('token') });

    const big = await fetch(`${serve.url}/blockers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'x'.repeat(1_100_000) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: expect.stringContaining('1048576') });

    const webhook = (signature?: string) =>
      fetch(`${serve.url}/webhooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-github-delivery': 'delivery-1',
          ...(signature ? { 'x-hub-signature-256': signature } : {}),
        },
        body: '{"zen":"Keep it logically awesome."}',
      });
    const secret = readFileSync(join(dataDir, 'webhook-secret'), 'utf8').trim();
    const hmac = createHmac('sha256', secret).update('{"zen":"Keep it logically awesome."}').digest('hex');
    expect((await webhook()).status).toBe(401);
    expect((await webhook(`sha256=${hmac}`)).status).toBe(200);

    const dashboard = await fetch(`${serve.url}/`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-type')).toContain('text/html');
  });

  it('starts, reads, blocks, unblocks and stops through the client; a restart keeps everything', async () => {
    // Start, and read the status once the workflow has recorded it
    const started = await client.start('payments-api', { changeId: 'c-stop-me', version: '2', by: 'ana' });
    const running = await until('the deployment record', async () => {
      const detail = await client.status(started.deploymentId);
      return detail.waves[0]?.status !== 'pending' ? detail : undefined;
    });
    expect(running.deployment).toMatchObject({
      status: 'running',
      requestedBy: 'ana',
      change: { id: 'c-stop-me' },
    });
    expect(running.waves.map((w) => w.name)).toEqual(['canary', 'europe', 'world']);

    // Block and unblock
    const temporary = await client.block({
      scope: { kind: 'wave', pipeline: 'payments-api', wave: 'world' },
      reason: 'checking a dashboard',
      by: 'ana',
    });
    const kept = await client.block({
      scope: { kind: 'pipeline', pipeline: 'billing-api' },
      reason: 'billing freeze',
      by: 'ana',
      expiresAt: '2030-01-01T00:00:00.000Z',
    });
    expect((await client.listBlockers()).items.map((b) => b.id).sort()).toEqual(
      [kept.id, temporary.id].sort(),
    );
    await client.unblock(temporary.id);
    expect((await client.listBlockers()).items.map((b) => b.id)).toEqual([kept.id]);
    const missing = await client.unblock(temporary.id).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiRequestError);
    expect((missing as ApiRequestError).status).toBe(404);

    // Stop: it rolls back
    await client.stop(started.deploymentId, { by: 'ana', reason: 'wrong build' });
    const stopped = await until('the rollback', async () => {
      const detail = await client.status(started.deploymentId);
      return detail.deployment.status === 'rolled_back' ? detail : undefined;
    });
    expect(stopped.deployment.cancelRequest).toMatchObject({ by: 'ana', reason: 'wrong build' });

    // A second deployment is running when the server stops
    const second = await client.start('payments-api', { changeId: 'c-resume-me', version: '3', by: 'ana' });
    await until('the second deployment', async () => {
      const detail = await client.status(second.deploymentId);
      return detail.deployment.status === 'running' ? detail : undefined;
    });
    const before = await serverNow(serve);

    // Restart on the same data folder
    expect(await stopServe(serve)).toBe(0);
    expect(serve.output).toContain('stopped.');
    const savedClock = JSON.parse(readFileSync(join(dataDir, 'clock.json'), 'utf8')) as { nowMs: number };
    expect(savedClock.nowMs).toBeGreaterThanOrEqual(before);
    // Every deployment state change went to events.jsonl, as EventBridge would deliver it
    expect(serve.output).toContain(`Events:         ${join(dataDir, 'events.jsonl')}`);
    const logged = readFileSync(join(dataDir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { source: string; 'detail-type': string; detail: Record<string, unknown> },
      );
    expect(
      logged.every(
        (e) => e.source === 'breakwater' && e['detail-type'] === 'Breakwater Deployment State Change',
      ),
    ).toBe(true);
    const of = (id: string) => logged.filter((e) => e.detail.deploymentId === id).map((e) => e.detail.status);
    expect(of(started.deploymentId)[0]).toBe('deployment-started');
    expect(of(started.deploymentId)).toContain('deployment-rolled-back');
    expect(of(second.deploymentId)[0]).toBe('deployment-started');
    serve = await bootAt(dataDir);
    client = new BreakwaterClient({ endpoint: serve.url, token: serve.token });

    expect(serve.output).not.toContain('Registered:');
    expect(serve.output).toContain(`Resumed:        ${second.deploymentId}`);
    expect(await serverNow(serve)).toBeGreaterThanOrEqual(savedClock.nowMs);
    expect((await client.status(started.deploymentId)).deployment).toMatchObject({
      status: 'rolled_back',
      cancelRequest: { by: 'ana', reason: 'wrong build' },
    });
    expect((await client.status(second.deploymentId)).deployment.change.id).toBe('c-resume-me');
    expect((await client.listBlockers()).items).toEqual([
      expect.objectContaining({ id: kept.id, reason: 'billing freeze', author: 'ana' }),
    ]);
  }, 90_000);
});

/** A timeline event as the API shows it; a step replayed after a restart must not add it again. */
const eventId = (e: { at: string; type: string; message: string }) => `${e.at} ${e.type} ${e.message}`;

describe('breakwater serve killed at any moment', () => {
  it('resumes every deployment with its timeline intact and a clock that never goes back, restart after kill -9', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'breakwater-kill-'));
    try {
      let serve = await bootServe({ dataDir, speed: 3600 });
      let client = new BreakwaterClient({ endpoint: serve.url, token: serve.token });
      const started = await client.start('payments-api', { changeId: 'c-kill', version: '2', by: 'ana' });
      let lastSeen = 0;
      let keys: string[] = [];
      // Kill it at unrelated moments (wall time, so virtual time lands anywhere in the rollout).
      for (const wallMs of [150, 700, 1_300, 400, 900]) {
        await new Promise((r) => setTimeout(r, wallMs));
        lastSeen = Math.max(lastSeen, await serverNow(serve));
        const detail = await client.status(started.deploymentId).catch(() => undefined);
        if (detail) keys = detail.events.map(eventId);
        const exited = new Promise((resolve) => serve.process.once('exit', resolve));
        serve.process.kill('SIGKILL');
        await exited;

        serve = await bootServe({ dataDir, speed: 3600 });
        client = new BreakwaterClient({ endpoint: serve.url, token: serve.token });
        expect(await serverNow(serve)).toBeGreaterThanOrEqual(lastSeen);
        const after = await client.status(started.deploymentId);
        const afterKeys = after.events.map(eventId);
        expect(afterKeys).toEqual(expect.arrayContaining(keys));
        expect(new Set(afterKeys).size).toBe(afterKeys.length);
      }
      const ended = await until(
        'the deployment to end',
        async () => {
          const detail = await client.status(started.deploymentId);
          return ['succeeded', 'rolled_back', 'failed'].includes(detail.deployment.status)
            ? detail
            : undefined;
        },
        60_000,
      );
      expect(ended.deployment.status).toBe('succeeded');
      await stopServe(serve);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

/** Reads (or writes) the data folder's DynamoDB while no serve runs on it, as the next start will find it. */
async function withStoreOf<T>(
  dataDir: string,
  work: (store: DeploymentStore, local: LocalDynamo) => Promise<T>,
): Promise<T> {
  const local = await startLocalDynamo({ path: join(dataDir, 'dynamo'), meterCapacity: false });
  try {
    return await work(
      new DynamoDeploymentStore({
        client: local.documentClient,
        tableName: local.tableName,
        clock: { nowMs: () => Date.now() },
      }),
      local,
    );
  } finally {
    await local.close();
  }
}

/** One of payments-api's aliases: the fleet serves them from the first start. */
const drillTarget = (id: string, region: string, functionName = 'payments-api') => ({
  id,
  account: '111111111111',
  region,
  ...(id === 'use1-cell1' ? { cell: 'cell-1' } : {}),
  functionName,
  alias: 'live',
});
/** Two waves on payments-api's first three aliases and its alarms, short bakes, rare safety polls. */
const drillPipeline = {
  name: 'drill',
  defaults: {
    concurrency: 2,
    oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 0 } },
    rolling: { weights: [50, 100], healthCheck: '5m' },
    bake: { duration: '10m', minDataPoints: 0 },
    alarms: { rollback: ['payments-errors-{target.region}'], oneBox: ['payments-onebox-errors-{target.id}'] },
    // The alarm watcher begins the rollback within seconds; the workflow ends it at its next poll,
    // up to 15 virtual minutes later: the window the kill lands in.
    safetyPoll: '15m',
    inconclusiveTimeout: '20m',
  },
  waves: [
    { name: 'canary', targets: [drillTarget('use1-cell1', 'us-east-1', 'payments-api-cell-1')] },
    { name: 'europe', targets: [drillTarget('euw1', 'eu-west-1'), drillTarget('euc1', 'eu-central-1')] },
  ],
};
/** The candidate fails on euc1 from its first request: europe's one-box alarm rolls everything back. */
const failingInEurope = {
  name: 'fails in europe',
  traffic: { requestsPerMinute: 600 },
  baseline: { errorRate: 0.001, latencyMs: 80 },
  alarms: {
    metric: [
      {
        name: 'payments-errors-{target.region}',
        metric: 'ErrorRate',
        scope: 'alias',
        period: 60,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        threshold: 2,
        treatMissingData: 'notBreaching',
      },
      {
        name: 'payments-onebox-errors-{target.id}',
        metric: 'ErrorRate',
        scope: 'new-version',
        period: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        threshold: 2,
        treatMissingData: 'notBreaching',
      },
    ],
  },
  faults: [{ targets: ['euc1'], at: '0s', kind: 'sudden', errorRate: 0.2, version: 'candidate' }],
};

interface DrillDetail {
  deployment: { status: string };
  waves: { targets: { targetId: string; status: string; weight: number }[] }[];
  events: { key: string; type: string }[];
}

describe('breakwater serve killed during a rollback', () => {
  it('finishes the rollback after kill -9: rolled back once, every alias on the previous version, timeline and clock intact', async () => {
    const base = mkdtempSync(join(tmpdir(), 'breakwater-kill-rollback-'));
    const dataDir = join(base, 'data');
    const scenario = join(base, 'scenario.json');
    mkdirSync(dataDir);
    writeFileSync(scenario, JSON.stringify(failingInEurope));
    const boot = () => bootServe({ dataDir, speed: 1200, scenario });
    let serve = await boot();
    try {
      // GIVEN a deployment whose candidate fails in its second wave
      expect((await callServe(serve, 'PUT', '/pipelines/drill', drillPipeline)).status).toBe(201);
      let killed = false;
      const exited = new Promise((resolve) => serve.process.once('exit', resolve));
      serve.process.stdout!.on('data', () => {
        // WHEN serve is killed the moment it prints that the rollback has begun (the alarm watcher's
        // line; the targets go back right after it, the workflow ends the rollback at its next poll)
        if (!killed && /rolling back/.test(serve.output)) {
          killed = true;
          serve.process.kill('SIGKILL');
        }
      });
      const started = await callServe<{ deploymentId: string }>(
        serve,
        'POST',
        '/pipelines/drill/deployments',
        { change: { id: 'c-bad', version: '2' }, requestedBy: 'ana' },
      );
      expect(started.status).toBe(202);
      const path = `/deployments/${started.body.deploymentId}`;
      // Until then, what the API shows: the clock and the timeline a restart must keep.
      let lastSeenMs = 0;
      let keysBefore: string[] = [];
      const killDeadline = Date.now() + 60_000;
      while (!killed) {
        if (Date.now() > killDeadline) throw new Error(`no rollback began:\n${serve.output}`);
        const reply = await callServe<DrillDetail>(serve, 'GET', path).catch(() => undefined);
        if (!reply) break;
        lastSeenMs = Math.max(lastSeenMs, Date.parse(reply.headers.get('x-breakwater-now')!));
        if (reply.status === 200) keysBefore = reply.body.events.map((e) => e.key);
        await new Promise((r) => setTimeout(r, 50));
      }
      await exited;
      expect(keysBefore).toContain('deployment-started');

      // THEN it was killed mid-rollback: its record says rolling back
      const atKill = await withStoreOf(dataDir, (store) => store.getDeployment(started.body.deploymentId));
      expect(atKill?.status).toBe('rolling_back');

      // ... and the restart finishes the rollback
      serve = await boot();
      expect(serve.output).toContain(`Resumed:        ${started.body.deploymentId}`);
      let detail: DrillDetail | undefined;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const reply = await callServe<DrillDetail>(serve, 'GET', path);
        expect(Date.parse(reply.headers.get('x-breakwater-now')!)).toBeGreaterThanOrEqual(lastSeenMs);
        detail = reply.body;
        if (detail.deployment.status !== 'rolling_back' || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(detail.deployment.status).toBe('rolled_back');
      const keys = detail.events.map((e) => e.key);
      expect(keys).toEqual(expect.arrayContaining(keysBefore));
      expect(new Set(keys).size).toBe(keys.length);
      expect(detail.events.filter((e) => e.type === 'deployment-rolled-back')).toHaveLength(1);
      for (const t of detail.waves.flatMap((w) => w.targets)) {
        expect(t, t.targetId).toMatchObject({ status: 'rolled_back', weight: 0 });
      }
      expect(await stopServe(serve)).toBe(0);
      const fleet = JSON.parse(readFileSync(join(dataDir, 'fleet.json'), 'utf8')) as {
        targets: Record<string, { primaryVersion: string; additionalVersion: string | null }>;
      };
      for (const id of ['use1-cell1', 'euw1', 'euc1']) {
        expect(fleet.targets[id], id).toMatchObject({ primaryVersion: '1', additionalVersion: null });
      }
    } finally {
      if (serve.process.exitCode === null && serve.process.signalCode === null) await stopServe(serve);
      rmSync(base, { recursive: true, force: true });
    }
  }, 120_000);
});

/** Polls a deployment through the API until its status is one of `statuses`. */
async function statusOf(serve: ServeProcess, id: string, statuses: readonly string[]): Promise<DrillDetail> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const reply = await callServe<DrillDetail>(serve, 'GET', `/deployments/${id}`);
    if (reply.status === 200 && statuses.includes(reply.body.deployment.status)) return reply.body;
    if (Date.now() > deadline)
      throw new Error(`deployment ${id} is not ${statuses.join(' or ')}: ${JSON.stringify(reply.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ENDED = ['succeeded', 'rolled_back', 'failed', 'superseded', 'expired'];

/** What serve logs when a deployment needs a lock that a deployment which has ended still holds. */
const LOCK_TAKEN_OVER = 'taking a lock an ended deployment still held';

describe('breakwater serve after a kill that cut the ending step short', () => {
  it("writes the deployment's end event and releases its wave slot at start, so the next deployment runs without waiting", async () => {
    const base = mkdtempSync(join(tmpdir(), 'breakwater-cut-end-'));
    const dataDir = join(base, 'data');
    const boot = () => bootServe({ dataDir, speed: 3600 });
    const lastSlot = `wave-slot:${drillPipeline.name}:1`;
    let serve = await boot();
    try {
      // GIVEN a deployment that succeeded ...
      expect((await callServe(serve, 'PUT', `/pipelines/${drillPipeline.name}`, drillPipeline)).status).toBe(
        201,
      );
      const start = (change: string, version: string) =>
        callServe<{ deploymentId: string }>(serve, 'POST', `/pipelines/${drillPipeline.name}/deployments`, {
          change: { id: change, version },
          requestedBy: 'ana',
        });
      const first = (await start('c-first', '2')).body.deploymentId;
      // (the status is the decision and is written first; the end event follows a moment later)
      let firstRun = await statusOf(serve, first, ENDED);
      for (let i = 0; i < 100 && !firstRun.events.some((e) => e.key === 'deployment-succeeded'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        firstRun = await statusOf(serve, first, ENDED);
      }
      expect(firstRun.deployment.status).toBe('succeeded');
      expect(firstRun.events.map((e) => e.key)).toContain('deployment-succeeded');
      expect(await stopServe(serve)).toBe(0);
      // ... whose last step was killed after it wrote "succeeded" and before it released the last
      // wave's slot and wrote the end event (recordProgress writes them in that order)
      await withStoreOf(dataDir, async (store, local) => {
        await local.documentClient.send(
          new DeleteCommand({
            TableName: local.tableName,
            Key: { [PK]: keys.deploymentPk(first), [SK]: keys.eventSk('deployment-succeeded') },
          }),
        );
        expect(await store.acquireLock(lastSlot, first, new Date().toISOString())).toEqual({
          acquired: true,
        });
      });

      // WHEN serve starts on that data folder
      serve = await boot();

      // THEN the ending step ran again: the end event is there, once, and the deployment was not resumed
      expect(serve.output).not.toContain('Resumed:');
      const ended = await statusOf(serve, first, ['succeeded']);
      expect(ended.events.filter((e) => e.type === 'deployment-succeeded')).toHaveLength(1);
      expect(await stopServe(serve)).toBe(0);
      expect(serve.output).not.toContain(LOCK_TAKEN_OVER);
      // ... and the slot is free: nobody had to take it over
      await withStoreOf(dataDir, async (store) => {
        expect(await store.acquireLock(lastSlot, 'probe', new Date().toISOString())).toEqual({
          acquired: true,
        });
        await store.releaseLock(lastSlot, 'probe');
      });

      // ... so the next deployment of the pipeline runs through without waiting
      serve = await boot();
      const next = (await start('c-next', '3')).body.deploymentId;
      const done = await statusOf(serve, next, ENDED);
      expect(done.deployment.status).toBe('succeeded');
      expect(done.events.filter((e) => /blocked|waiting-for-lock/.test(e.type))).toEqual([]);
      expect(await stopServe(serve)).toBe(0);
      expect(serve.output).not.toContain(LOCK_TAKEN_OVER);
    } finally {
      if (serve.process.exitCode === null && serve.process.signalCode === null) await stopServe(serve);
      rmSync(base, { recursive: true, force: true });
    }
  }, 120_000);
});
