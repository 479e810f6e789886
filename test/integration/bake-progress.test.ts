import { afterEach, describe, expect, it } from 'vitest';
import { getDeploymentDetail } from '../../src/api/deployments.js';
import { resolvePipeline } from '../../src/core/pipeline.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { startEngine, target } from '../support/fixtures.js';

/*
 * The bake a person reads in the API (and the dashboard) is as of the moment they read it, not
 * as of the last check that wrote the record: a bake poll that changes nothing writes nothing.
 */

const MINUTE = 60_000;

/** One target, a short one-box, then a 2 h wave bake that needs 2000 data points, polled every 5 minutes. */
const pipeline = resolvePipeline({
  name: 'orders',
  defaults: {
    oneBox: { weight: 10, bake: { duration: '10m', minDataPoints: 0 } },
    rolling: { weights: [100], healthCheck: '2m' },
    bake: { duration: '2h', minDataPoints: 2000 },
    alarms: { rollback: ['orders-errors-{target.region}'], oneBox: ['orders-onebox-{target.id}'] },
    safetyPoll: '5m',
    inconclusiveTimeout: '1h',
  },
  waves: [{ name: 'one', targets: [target('a1')] }],
});

let engine: EmbeddedEngine | undefined;

afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

/** Lets `ms` of virtual time pass on the engine's clock. */
function wait(running: EmbeddedEngine, ms: number): Promise<void> {
  return running.drive(new Promise<void>((resolve) => setTimeout(resolve, ms)));
}

describe('bake progress in the API', () => {
  it('says 46m of 2h when read 46 virtual minutes into a 2 h bake, though the record was last written at 5m', async () => {
    // Prepare: a deployment that reached its wave bake
    const running = await startEngine(pipeline);
    engine = running;
    let bakeStartedMs: number | undefined;
    const bakeStarted = new Promise<void>((resolve) =>
      running.onEvent((e) => {
        if (e.type === 'wave-bake-started' && bakeStartedMs === undefined) {
          bakeStartedMs = Date.parse(e.at);
          resolve();
        }
      }),
    );
    const { deploymentId } = running.startDeployment({
      pipeline: 'orders',
      change: { id: 'c1', version: '2' },
    });
    await running.drive(bakeStarted);
    const startedMs = bakeStartedMs!;

    // Act: read at 46 minutes, after the 5, 10, ... 45 minute polls
    await wait(running, startedMs + 46 * MINUTE - running.time.nowMs());
    const deps = { store: running.store, clock: running.time.clock };
    const recorded = await running.io(() => running.store.getDeploymentView(deploymentId));
    const detail = await running.io(() => getDeploymentDetail(deps, deploymentId));

    // Assess: the record holds nothing that goes stale; the API says the time now
    const stored = recorded!.waves[0]!.bake!;
    expect(stored).toMatchObject({ phase: 'wave', verdict: 'baking', durationSeconds: 7200 });
    expect(stored.note).toBe('2000 data points needed (counted when the time is up)');
    expect(stored.note).not.toMatch(/\dm of/);
    const bake = detail.waves[0]!.bake as { note?: string; elapsedSeconds?: number };
    expect(bake.note).toBe(
      'baking: 46m of 2h (1h14m left), 2000 data points needed (counted when the time is up)',
    );
    expect(bake.elapsedSeconds).toBe(46 * 60);
  }, 60_000);

  it('shows the data points with when they were counted, once the bake is over', async () => {
    // Prepare
    const running = await startEngine(pipeline);
    engine = running;
    const { deploymentId, done } = running.startDeployment({
      pipeline: 'orders',
      change: { id: 'c2', version: '2' },
    });

    // Act
    await running.drive(done);
    const detail = await running.io(() =>
      getDeploymentDetail({ store: running.store, clock: running.time.clock }, deploymentId),
    );

    // Assess: counted when the 2 h were up, and the note says how long it baked, no running time
    const bake = detail.waves[0]!.bake!;
    expect(bake.verdict).toBe('baked');
    expect(Date.parse(bake.dataPointsAt!) - Date.parse(bake.startedAt)).toBeGreaterThanOrEqual(
      2 * 60 * MINUTE,
    );
    expect(bake.note).toBe(`baked 2h with ${bake.dataPoints} data points (needed 2000)`);
    expect(bake).not.toHaveProperty('elapsedSeconds');
  }, 60_000);
});
