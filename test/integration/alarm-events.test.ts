import { afterEach, describe, expect, it } from 'vitest';
import { type ResolvedPipeline, resolvePipeline } from '../../src/core/pipeline.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { deploy, startEngine, target } from '../support/fixtures.js';

/*
 * Watching by events: the simulated fleet publishes CloudWatch's alarm state-change events, the
 * local bus matches them with the CDK rule's pattern and the alarm watcher rolls back at once;
 * with the events lost, the workflow's safety poll does it, one poll later at most.
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const SAFETY_POLL_SECONDS = 300;

/**
 * One wave of two targets in one batch, from 09:00: one-box 09:00-09:30, 50 % 09:30-09:40,
 * 100 % 09:40-09:50, wave bake 09:50-10:50; polled for safety every 5 minutes (the default). Each
 * fault below makes its alarm fire between two polls (an alarm needs 2 breaching minutes).
 */
function pipeline(): ResolvedPipeline {
  return resolvePipeline({
    name: 'orders',
    defaults: {
      concurrency: 2,
      oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 50 } },
      rolling: { weights: [50, 100], healthCheck: '10m' },
      bake: { duration: '1h', minDataPoints: 200 },
      alarms: { rollback: ['orders-errors-{target.region}'], oneBox: ['orders-onebox-{target.id}'] },
    },
    waves: [{ name: 'one', targets: [target('a1'), target('a2')] }],
  });
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

describe.each([
  ['the one-box bake', '12m', 'one-box'],
  ['a rolling health check', '31m', 'rolling'],
  ['the wave bake', '75m', 'wave'],
] as const)('an alarm during %s', (_what, at, phase) => {
  it('rolls back within 5 virtual seconds of the alarm when its event is delivered', async () => {
    const p = pipeline();
    engine = await startEngine(p, {
      faults: [{ targets: ['a2'], at, kind: 'sudden', errorRate: 0.3, version: 'candidate' }],
    });

    const { outcome, view } = await deploy(engine, p);

    expect(outcome.status).toBe('FAILED');
    expect(view.deployment.status).toBe('rolled_back');
    const rollback = view.deployment.rollback!;
    expect(rollback.triggeredBy).toBe('alarm-event');
    expect(rollback.alarm).toMatch(/^orders-(onebox-a2|errors-us-east-1)$/);
    expect(seconds(rollback.alarmAt!, rollback.trafficOffAt!)).toBeGreaterThanOrEqual(0);
    expect(seconds(rollback.alarmAt!, rollback.trafficOffAt!)).toBeLessThanOrEqual(5);
    const triggered = view.events.find((e) => e.type === 'rollback-triggered');
    expect(triggered?.data).toMatchObject({ by: 'alarm-watcher', alarm: rollback.alarm });
    // The alarm fired in the phase it was meant to.
    expect(view.waves[0]?.bake?.phase).toBe(phase);
    for (const id of ['a1', 'a2']) {
      expect(engine.fleet.routing(id)).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
  });

  it('rolls back at the next safety poll when alarm events are lost', async () => {
    const p = pipeline();
    engine = await startEngine(p, {
      alarmEvents: 'lost',
      faults: [{ targets: ['a2'], at, kind: 'sudden', errorRate: 0.3, version: 'candidate' }],
    });

    const { outcome, view } = await deploy(engine, p);

    expect(outcome.status).toBe('FAILED');
    const rollback = view.deployment.rollback!;
    expect(rollback.triggeredBy).toBe('check');
    expect(view.events.some((e) => e.type === 'rollback-triggered')).toBe(false);
    expect(seconds(rollback.alarmAt!, rollback.trafficOffAt!)).toBeGreaterThanOrEqual(0);
    expect(seconds(rollback.alarmAt!, rollback.trafficOffAt!)).toBeLessThanOrEqual(SAFETY_POLL_SECONDS + 5);
    expect(engine.watcher.events().lost).toBeGreaterThan(0);
    for (const id of ['a1', 'a2']) {
      expect(engine.fleet.routing(id)).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
  });
});
