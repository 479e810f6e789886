import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../src/api/deps.js';
import { rollBackReleaseByHand } from '../../src/api/release-rollback.js';
import { ConflictError, InvalidInputError } from '../../src/core/errors.js';
import type { ResolvedPipeline } from '../../src/core/pipeline.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { deploy, smallPipeline, startEngine, target } from '../support/fixtures.js';

/*
 * Rolling back a release that had succeeded, on the embedded engine: the real ReleaseRollback ASL,
 * the RollBackRelease step in-process, the simulated aliases.
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function apiDeps(e: EmbeddedEngine): Pick<ApiDeps, 'store' | 'starter' | 'clock'> {
  return { store: e.store, starter: e.apiStarter(), clock: e.time };
}

async function succeeded(pipeline: ResolvedPipeline, changeId = 'release-1', version = '2') {
  const result = await deploy(engine!, pipeline, changeId, version);
  expect(result.view.deployment.status).toBe('succeeded');
  return result.deploymentId;
}

async function rollBack(id: string, body: Parameters<typeof rollBackReleaseByHand>[2]) {
  const e = engine!;
  const started = await e.io(() => rollBackReleaseByHand(apiDeps(e), id, body));
  const outcome = await e.drive(e.startReleaseRollback(id).done);
  const view = (await e.io(() => e.store.getDeploymentView(id)))!;
  return { started, outcome, view };
}

/** Virtual time passing (the engine fakes setTimeout). */
const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const serving = (id: string) => engine!.fleet.routing(id);
const allTargets = (p: ResolvedPipeline) => p.waves.flatMap((w) => w.targets.map((t) => t.id));

describe('rolling back a succeeded release', () => {
  it('fast: takes every target back to the version it served before, at once, and records who asked', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);
    const id = await succeeded(pipeline);
    for (const t of allTargets(pipeline)) expect(serving(t)).toMatchObject({ primaryVersion: '2' });

    const { started, outcome, view } = await rollBack(id, {
      by: 'alice',
      reason: 'error budget burn since 14:00',
    });

    expect(started.deployment.status).toBe('rolling_back');
    expect(outcome.status).toBe('SUCCEEDED');
    for (const t of allTargets(pipeline)) {
      expect(serving(t)).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.releaseRollback).toMatchObject({ by: 'alice', mode: 'fast', leave: [] });
    expect(view.deployment.rollback).toMatchObject({ triggeredBy: 'release-rollback' });
    expect(view.deployment.rollback?.reason).toContain('alice');
    expect(view.waves.every((w) => w.status === 'rolled_back' && w.rolledBackAt)).toBe(true);
    const requested = view.events.find((e) => e.type === 'release-rollback-requested');
    expect(requested?.data).toMatchObject({ by: 'alice', reason: 'error budget burn since 14:00' });
    const end = view.events.find((e) => e.type === 'release-rolled-back');
    expect(end?.message).toContain('5 target(s) back');
    // All waves at once: one instant for every target
    const reverts = view.events.filter((e) => e.type === 'target-rolled-back');
    expect(reverts).toHaveLength(5);
    expect(new Set(reverts.map((e) => e.at)).size).toBe(1);
  });

  it('reverse-waves: the last wave first, each earlier wave after the bake of the wave taken back before it', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);
    const id = await succeeded(pipeline);

    const { view } = await rollBack(id, { by: 'bob', reason: 'slow burn', mode: 'reverse-waves' });

    for (const t of allTargets(pipeline)) expect(serving(t)).toMatchObject({ primaryVersion: '1' });
    const waveAt = (index: number) => Date.parse(view.waves.find((w) => w.index === index)!.rolledBackAt!);
    const bake = (index: number) => pipeline.waves[index]!.bake.duration * 1000;
    expect(waveAt(2)).toBeLessThan(waveAt(1));
    expect(waveAt(1)).toBeLessThan(waveAt(0));
    expect(waveAt(1) - waveAt(2)).toBeGreaterThanOrEqual(bake(2));
    expect(waveAt(0) - waveAt(1)).toBeGreaterThanOrEqual(bake(1));
    // and not much longer than the bake: it waits at most a safety poll past it
    expect(waveAt(0) - waveAt(1)).toBeLessThan(bake(1) + 120_000);
    expect(view.deployment.status).toBe('rolled_back');
  });

  it('is never held by a manual block or a window', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);
    const id = await succeeded(pipeline);
    await engine.io(() =>
      engine!.store.putBlocker({
        id: 'freeze',
        scope: { kind: 'global' },
        reason: 'change freeze',
        author: 'carol',
        createdAt: '2026-11-23T09:00:00.000Z',
      }),
    );

    const { view } = await rollBack(id, { by: 'alice', reason: 'bad release' });

    expect(view.deployment.status).toBe('rolled_back');
    for (const t of allTargets(pipeline)) expect(serving(t)).toMatchObject({ primaryVersion: '1' });
  });

  it('is refused with 409 naming the target and the deployment when a newer deployment has changed it', async () => {
    const t1 = target('t1');
    const t2 = target('t2', 'eu-west-1');
    const pipeline = smallPipeline({
      waves: [
        { name: 'one', targets: [t1] },
        { name: 'two', targets: [t2] },
      ],
    });
    engine = await startEngine(pipeline);
    for (const t of [t1, t2]) {
      await engine.fleet.publishVersion(t, { code: { s3Bucket: 'b', s3Key: 'v3.zip' }, description: 'v3' });
    }
    const a = await succeeded(pipeline, 'A', '2');
    // B takes wave one, then waits at wave two behind a block.
    await engine.io(() =>
      engine!.store.putBlocker({
        id: 'hold-two',
        scope: { kind: 'wave', pipeline: 'orders', wave: 'two' },
        reason: 'hold',
        author: 'carol',
        createdAt: '2026-11-23T09:00:00.000Z',
      }),
    );
    const b = engine.startDeployment({ pipeline: 'orders', change: { id: 'B', version: '3' } });
    await engine.drive(later(3 * 3_600_000));
    expect(serving('t1')).toMatchObject({ primaryVersion: '3' });

    const refused = await engine.io(() =>
      rollBackReleaseByHand(apiDeps(engine!), a, { by: 'alice', reason: 'bad' }).catch((e: unknown) => e),
    );
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as Error).message).toContain(`t1 was changed since by deployment ${b.deploymentId}`);
    expect((refused as Error).message).toContain('"leave": ["t1"]');
    expect((refused as ConflictError).existing).toMatchObject({
      conflicts: [{ targetId: 't1', deploymentId: b.deploymentId }],
    });
    // Nothing was recorded or moved.
    const untouched = await engine.io(() => engine!.store.getDeployment(a));
    expect(untouched?.status).toBe('succeeded');
    expect(serving('t2')).toMatchObject({ primaryVersion: '2' });

    const unknown = await engine.io(() =>
      rollBackReleaseByHand(apiDeps(engine!), a, {
        by: 'alice',
        reason: 'bad',
        force: true,
        leave: ['t9'],
      }).catch((e: unknown) => e),
    );
    expect(unknown).toBeInstanceOf(InvalidInputError);
    expect((unknown as Error).message).toContain('"t9" is not a target this deployment moved');

    const { view } = await rollBack(a, { by: 'alice', reason: 'bad', force: true, leave: ['t1'] });
    expect(serving('t2')).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    expect(serving('t1')).toMatchObject({ primaryVersion: '3' });
    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.releaseRollback?.leave).toEqual([
      { targetId: 't1', deploymentId: b.deploymentId },
    ]);
    expect(view.events.find((e) => e.type === 'rollback-left-to-newer-change')?.target).toBe('t1');
  });

  it('is refused for a deployment that is not a succeeded release, saying what to do instead', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);
    const { deploymentId } = engine.startDeployment({
      pipeline: 'orders',
      change: { id: 'c', version: '2' },
    });
    await engine.drive(later(60_000));

    const refused = await engine.io(() =>
      rollBackReleaseByHand(apiDeps(engine!), deploymentId, { by: 'alice', reason: 'x' }).catch(
        (e: unknown) => e,
      ),
    );

    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as Error).message).toBe(
      `deployment "${deploymentId}" is running: stop it instead (POST /deployments/${deploymentId}/stop), which rolls it back`,
    );
  });

  it('asked again with mode fast during a reverse-waves rollback, takes the remaining waves back at once', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);
    const id = await succeeded(pipeline);
    const e = engine;
    await e.io(() =>
      rollBackReleaseByHand(apiDeps(e), id, { by: 'bob', reason: 'slow burn', mode: 'reverse-waves' }),
    );
    const { done } = e.startReleaseRollback(id);
    // Wave three is back at once; wave two waits for wave three's 20-minute bake.
    await e.drive(later(5 * 60_000));
    expect(serving('c1')).toMatchObject({ primaryVersion: '1' });
    expect(serving('b1')).toMatchObject({ primaryVersion: '2' });

    const hurried = await e.io(() =>
      rollBackReleaseByHand(apiDeps(e), id, { by: 'carol', reason: 'it is spreading', mode: 'fast' }),
    );
    expect(hurried.deployment.releaseRollback).toMatchObject({ mode: 'fast', hurriedBy: 'carol' });
    const hurriedAt = e.time.nowMs();
    await e.drive(done);

    const view = (await e.io(() => e.store.getDeploymentView(id)))!;
    for (const t of allTargets(pipeline)) expect(serving(t)).toMatchObject({ primaryVersion: '1' });
    const waveOne = Date.parse(view.waves.find((w) => w.index === 0)!.rolledBackAt!);
    // seen at the next wait's end (at most the 1-minute safety poll), not after two more bakes
    expect(waveOne - hurriedAt).toBeLessThanOrEqual(60_000);
    expect(view.events.some((ev) => ev.type === 'release-rollback-hurried')).toBe(true);
  });
});
