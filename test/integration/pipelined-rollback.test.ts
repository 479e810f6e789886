import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import type { ScenarioInput } from '../../src/local/scenario.js';
import { smallPipeline, startEngine, target } from '../support/fixtures.js';

/*
 * Pipelining hands a target from change to change: A finishes wave one, B takes its targets and
 * records A's version as the one to restore. When A rolls back later (its wave two failed) it
 * leaves those targets to B; and if B rolls back too, B must not restore A's withdrawn version.
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const t1 = target('t1');
const t2 = target('t2', 'eu-west-1');

async function runBoth(pipeline: ReturnType<typeof smallPipeline>, scenario: ScenarioInput) {
  engine = await startEngine(pipeline, scenario);
  for (const t of [t1, t2]) {
    await engine.fleet.publishVersion(t, { code: { s3Bucket: 'b', s3Key: 'v3.zip' }, description: 'v3' });
  }
  const a = engine.startDeployment({ pipeline: 'orders', change: { id: 'A', version: '2' } });
  const b = engine.startDeployment({ pipeline: 'orders', change: { id: 'B', version: '3' } });
  await engine.drive(Promise.all([a.done, b.done]));
  const view = async (id: string) => (await engine!.io(() => engine!.store.getDeploymentView(id)))!;
  return { a: await view(a.deploymentId), b: await view(b.deploymentId) };
}

/** Wave one t1, wave two t2, watched by the one-box alarms only. */
function twoWaves(bake = '20m') {
  return smallPipeline({
    waves: [
      { name: 'one', targets: [t1] },
      { name: 'two', targets: [t2], bake: { duration: bake, minDataPoints: 200 } },
    ],
    defaults: {
      concurrency: 2,
      oneBox: { weight: 10, bake: { duration: '10m', minDataPoints: 50 } },
      rolling: { weights: [50, 100], healthCheck: '2m' },
      bake: { duration: '20m', minDataPoints: 200 },
      alarms: { rollback: [], oneBox: ['orders-onebox-{target.id}'] },
      pollInterval: '1m',
      inconclusiveTimeout: '30m',
    },
  });
}

describe('a rollback after pipelining handed a target to a newer change', () => {
  it('restores the version before both when the newer change rolls back too', async () => {
    const pipeline = twoWaves();
    // A (v2) fails its one-box in wave two (from 37m) while B (v3) is in its one-box on t1; then
    // B's one-box on t1 fails (from 40m; only the one-box alarms watch, so A's v2 there is not judged).
    const { a, b } = await runBoth(pipeline, {
      faults: [
        { targets: ['t2'], at: '37m', kind: 'sudden', errorRate: 0.3, version: 'candidate' },
        { targets: ['t1'], at: '40m', kind: 'sudden', errorRate: 0.3, version: 'candidate' },
      ],
    });

    expect(a.deployment.status).toBe('rolled_back');
    expect(b.deployment.status).toBe('rolled_back');
    const left = a.events.find((e) => e.type === 'rollback-left-to-newer-change');
    expect(left?.target).toBe('t1');
    expect(left?.message).toContain(b.deployment.id);
    expect(b.targets.find((t) => t.targetId === 't1')).toMatchObject({
      previousVersion: '2',
      newVersion: '3',
    });
    // B recorded v2 as the version to restore, but v2 was withdrawn: t1 goes back to v1
    expect(engine!.fleet.routing('t1')).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    expect(engine!.fleet.routing('t2')).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    const reverted = b.events.find((e) => e.type === 'target-rolled-back' && e.target === 't1');
    expect(reverted?.message).toMatch(/100% on v1 \(not v2: deployment .* rolled back since\)/);
  });

  it('leaves a target the newer change has finished, and that change restores the older version later', async () => {
    // Wave two bakes 2h, so B has finished wave one (and let go of t1) when A's wave two fails.
    const pipeline = twoWaves('2h');
    const { a, b } = await runBoth(pipeline, {
      faults: [{ targets: ['t2'], at: '90m', kind: 'sudden', errorRate: 0.3, version: 'candidate' }],
    });

    expect(a.deployment.status).toBe('rolled_back');
    const left = a.events.find((e) => e.type === 'rollback-left-to-newer-change');
    expect(left?.target).toBe('t1');
    expect(a.events.some((e) => e.type === 'rollback-skipped')).toBe(false);
    const bWaveOne = b.events.find((e) => e.type === 'wave-succeeded' && e.wave === 0)!;
    expect(Date.parse(bWaveOne.at)).toBeLessThan(Date.parse(left!.at));
    // B then meets the same fault in wave two and rolls back everything, t1 to v1, not A's v2
    expect(b.deployment.status).toBe('rolled_back');
    expect(engine!.fleet.routing('t1')).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    expect(engine!.fleet.routing('t2')).toMatchObject({ primaryVersion: '1', additionalVersion: null });
  });
});
