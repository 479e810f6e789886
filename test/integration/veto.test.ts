import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../src/api/deps.js';
import { vetoChange } from '../../src/api/vetoes.js';
import { createApiHandler } from '../../src/handlers/api.js';
import { type EmbeddedEngine, stateMachineArn } from '../../src/local/engine.js';
import type { ExecutionOutcome } from '../../src/local/step-functions.js';
import { LocalWorkflowStarter } from '../../src/local/workflow-starter.js';
import type { TimelineEvent } from '../../src/ports/store.js';
import { smallPipeline, startEngine } from '../support/fixtures.js';
import { apiEvent, bodyOf, lambdaContext, recordingLog, sequentialIds } from './api/support.js';

/*
 * A veto on the embedded engine: the real ASL, the same step handlers and API router as on AWS,
 * a simulated fleet on a virtual clock. "A vetoed change never starts or continues."
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const pipeline = smallPipeline();
const TARGETS = ['a1', 'a2', 'b1', 'b2', 'c1'];
const VETO = { by: 'alice', reason: 'corrupts shopping carts' };

/** The API on the engine, with a starter whose executions the test can wait for. */
function api(e: EmbeddedEngine) {
  const ended = new Map<string, (outcome: ExecutionOutcome) => void>();
  const done = new Map<string, Promise<ExecutionOutcome>>();
  const starter = new LocalWorkflowStarter({
    stepFunctions: e.stepFunctions,
    stateMachineArn: stateMachineArn('Deployment'),
    beforeStart: async (request) => {
      done.set(request.deploymentId, new Promise((resolve) => ended.set(request.deploymentId, resolve)));
    },
    onEnd: (id, outcome) => ended.get(id)?.(outcome),
  });
  const deps: ApiDeps = {
    store: e.store,
    starter,
    clock: e.time.clock,
    log: recordingLog(),
    newId: sequentialIds('d'),
  };
  const handle = createApiHandler(deps);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await e.io(() =>
      handle(apiEvent({ method, path, ...(body ? { body } : {}) }), lambdaContext),
    );
    return { status: response.statusCode, body: bodyOf(response) };
  };
  return { deps, call, done: (id: string) => e.drive(done.get(id)!) };
}

/** Vetoes `changeId` (through the API service, as the router calls it) when `when` is first written. */
function vetoWhen(
  e: EmbeddedEngine,
  deps: ApiDeps,
  changeId: string,
  when: (event: TimelineEvent) => boolean,
) {
  let fired = false;
  e.onEvent((event) => {
    if (fired || !when(event)) return;
    fired = true;
    // Tracked: virtual time stands still while the veto is applied, as for any step.
    void e.time.track(() => vetoChange(deps, pipeline.name, changeId, VETO));
  });
}

async function view(id: string) {
  return (await engine!.io(() => engine!.store.getDeploymentView(id)))!;
}

function routingOfEveryTarget() {
  return Object.fromEntries(TARGETS.map((t) => [t, engine!.fleet.routing(t)]));
}

describe('a veto of a running change', () => {
  it('rolls back every target to the previous version, with a reason that names the veto, and starts no further wave', async () => {
    engine = await startEngine(pipeline);
    const { deps } = api(engine);
    // Wave one is done (a1, a2 at 100 %), wave two begins: then the change is marked bad.
    vetoWhen(engine, deps, 'change-1', (e) => e.type === 'wave-started' && e.wave === 1);
    const { deploymentId, done } = engine.startDeployment({
      pipeline: 'orders',
      change: { id: 'change-1', version: '2' },
    });
    await engine.drive(done);

    const v = await view(deploymentId);
    expect(v.deployment.status).toBe('rolled_back');
    expect(v.deployment.rollback).toMatchObject({ triggeredBy: 'veto' });
    expect(v.deployment.rollback?.reason).toMatch(
      /change change-1 was vetoed by alice at .*: corrupts shopping carts/,
    );
    expect(v.deployment.veto).toMatchObject({ by: 'alice', reason: 'corrupts shopping carts' });
    expect(v.deployment.veto?.lifted).toBeUndefined();
    // The veto fences the deployment at once; traffic is off by the wave's next check at the latest.
    const offAfterMs = Date.parse(v.deployment.rollback!.trafficOffAt!) - Date.parse(v.deployment.veto!.at);
    expect(offAfterMs).toBeLessThanOrEqual(pipeline.waves[1]!.safetyPoll * 1000);
    for (const routing of Object.values(routingOfEveryTarget())) {
      expect(routing).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
    expect(v.events.find((e) => e.type === 'change-vetoed')).toMatchObject({ data: VETO });
    expect(
      v.events
        .filter((e) => e.type === 'target-rolled-back')
        .map((e) => e.target)
        .sort(),
    ).toEqual(['a1', 'a2']);
    expect(v.events.some((e) => e.type === 'wave-started' && e.wave === 2)).toBe(false);
  });

  it('lets the next change of the pipeline, pipelined behind it, deploy normally', async () => {
    engine = await startEngine(pipeline);
    for (const t of pipeline.waves.flatMap((w) => w.targets)) {
      await engine.fleet.publishVersion(t, { code: { s3Bucket: 'b', s3Key: 'v3.zip' }, description: 'v3' });
    }
    const { deps } = api(engine);
    vetoWhen(engine, deps, 'change-1', (e) => e.type === 'wave-started' && e.wave === 1);
    const bad = engine.startDeployment({ pipeline: 'orders', change: { id: 'change-1', version: '2' } });
    const good = engine.startDeployment({ pipeline: 'orders', change: { id: 'change-2', version: '3' } });
    await engine.drive(Promise.all([bad.done, good.done]));

    expect((await view(bad.deploymentId)).deployment.status).toBe('rolled_back');
    const next = await view(good.deploymentId);
    expect(next.deployment.status).toBe('succeeded');
    expect(next.deployment.veto).toBeUndefined();
    for (const routing of Object.values(routingOfEveryTarget())) {
      expect(routing).toMatchObject({ primaryVersion: '3', additionalVersion: null });
    }
  });
});

describe('a veto of a change whose next wave is held', () => {
  it('ends it at the wave gate without starting the wave, even when only the veto itself was written', async () => {
    // Wave two is held by a manual block; the veto is written but the API call stopped before it
    // reached the deployment (or the deployment index lagged): the gate finds the veto by itself.
    engine = await startEngine(pipeline, {
      blockers: [
        {
          kind: 'manual',
          id: 'freeze',
          scope: { kind: 'wave', pipeline: 'orders', wave: 'two' },
          reason: 'load test',
          author: 'dana',
          at: '0s',
        },
      ],
    });
    const e = engine;
    let vetoed = false;
    e.onEvent((event) => {
      if (vetoed || event.type !== 'wave-blocked' || event.wave !== 1) return;
      vetoed = true;
      void e.time.track(() =>
        e.store.putVeto('orders', 'change-1', { ...VETO, at: new Date(e.time.nowMs()).toISOString() }),
      );
    });
    const { deploymentId, done } = e.startDeployment({
      pipeline: 'orders',
      change: { id: 'change-1', version: '2' },
    });
    await e.drive(done);

    const v = await view(deploymentId);
    expect(vetoed).toBe(true);
    expect(v.deployment.status).toBe('rolled_back');
    expect(v.deployment.rollback).toMatchObject({ triggeredBy: 'veto' });
    expect(v.deployment.veto).toMatchObject(VETO);
    expect(v.events.some((x) => x.type === 'change-vetoed')).toBe(true);
    expect(v.events.some((x) => x.type === 'wave-started' && x.wave === 1)).toBe(false);
    expect(v.targets.filter((t) => t.waveIndex === 1)).toEqual([]);
    for (const routing of Object.values(routingOfEveryTarget())) {
      expect(routing).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
  });
});

describe('a vetoed change that has not started', () => {
  it('ends without moving traffic when its StartDeployment step runs after the veto, and says why', async () => {
    engine = await startEngine(pipeline);
    const { deps } = api(engine);
    await engine.io(() => vetoChange(deps, 'orders', 'change-1', VETO));
    // As an execution started before the veto (or from the Step Functions console) would.
    const { deploymentId, done } = engine.startDeployment({
      pipeline: 'orders',
      change: { id: 'change-1', version: '2' },
    });
    await engine.drive(done);

    const v = await view(deploymentId);
    expect(v.deployment.status).toBe('rolled_back');
    expect(v.deployment.rollback).toMatchObject({ triggeredBy: 'veto' });
    expect(v.deployment.rollback?.reason).toContain('vetoed by alice');
    expect(v.deployment.veto).toMatchObject(VETO);
    expect(v.targets).toEqual([]);
    expect(v.events.some((e) => e.type === 'wave-started')).toBe(false);
    expect(v.events.find((e) => e.type === 'deployment-rolled-back')?.message).toContain(
      'corrupts shopping carts',
    );
    for (const routing of Object.values(routingOfEveryTarget())) {
      expect(routing).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
  });

  it('refuses a hand start (409 naming the veto and how to lift it), and starts it once the veto is lifted', async () => {
    engine = await startEngine(pipeline);
    const { call, done } = api(engine);
    const vetoed = await call('POST', '/pipelines/orders/changes/change-1/veto', VETO);
    expect(vetoed.status).toBe(201);
    expect(vetoed.body.veto).toMatchObject({ status: 'vetoed', vetoed: VETO });

    const start = { change: { id: 'change-1', version: '2' }, requestedBy: 'carol' };
    const refused = await call('POST', '/pipelines/orders/deployments', start);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain('vetoed by alice');
    expect(refused.body.error).toContain('corrupts shopping carts');
    expect(refused.body.error).toContain('POST /pipelines/orders/changes/change-1/veto/lift');
    expect(refused.body.status).toBe('vetoed');

    const lifted = await call('POST', '/pipelines/orders/changes/change-1/veto/lift', {
      by: 'bob',
      reason: 'the carts were another bug',
    });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ lifted: true, veto: { status: 'lifted', lifted: { by: 'bob' } } });
    const started = await call('POST', '/pipelines/orders/deployments', start);
    expect(started.status).toBe(202);
    await done(started.body.deploymentId);

    expect((await view(started.body.deploymentId)).deployment.status).toBe('succeeded');
    const listed = await call('GET', '/pipelines/orders/vetoes');
    expect(listed.body.items).toHaveLength(1);
    expect(
      listed.body.items[0].history.map((h: { action: string; by: string }) => `${h.action}:${h.by}`),
    ).toEqual(['vetoed:alice', 'lifted:bob']);
  });
});
