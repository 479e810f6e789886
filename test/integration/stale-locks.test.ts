import { afterEach, describe, expect, it } from 'vitest';
import { aliasKey } from '../../src/core/targets.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { deploy, smallPipeline, startEngine } from '../support/fixtures.js';

/*
 * A deployment that ended holds nothing. If its last step was cut short between writing its final
 * status and releasing its locks (a crash, a kill -9 of serve), the next deployment that needs a
 * lock takes it over instead of waiting for it until maxHold.
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('locks an ended deployment still holds', () => {
  it('are taken over: a wave slot and an alias lock left by a deployment that ended', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);
    const at = '2026-11-23T08:00:00.000Z';
    await engine.io(async () => {
      await engine!.store.createDeployment({
        id: 'ghost',
        pipelineName: 'orders',
        pipelineVersion: 1,
        change: { id: 'old', version: '2' },
        status: 'rolled_back',
        createdAt: at,
        updatedAt: at,
        endedAt: at,
      });
      await engine!.store.acquireLock('wave-slot:orders:1', 'ghost', at);
      await engine!.store.acquireLock(aliasKey(pipeline.waves[0]!.targets[0]!), 'ghost', at);
    });

    const { view } = await deploy(engine, pipeline);

    expect(view.deployment.status).toBe('succeeded');
    expect(view.events.some((e) => e.type === 'target-waiting-for-lock' || e.type === 'wave-blocked')).toBe(
      false,
    );
  });

  it('are respected while their deployment still runs', async () => {
    const pipeline = smallPipeline({ maxHold: '1h' });
    engine = await startEngine(pipeline);
    const at = '2026-11-23T08:00:00.000Z';
    await engine.io(async () => {
      await engine!.store.createDeployment({
        id: 'alive',
        pipelineName: 'orders',
        pipelineVersion: 1,
        change: { id: 'old', version: '2' },
        status: 'running',
        createdAt: at,
        updatedAt: at,
        currentWave: 0,
      });
      await engine!.store.acquireLock(aliasKey(pipeline.waves[0]!.targets[0]!), 'alive', at);
    });

    const { view } = await deploy(engine, pipeline);

    expect(view.events.some((e) => e.type === 'target-waiting-for-lock')).toBe(true);
    expect(view.deployment.status).toBe('expired');
  });
});
