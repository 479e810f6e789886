import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { deploy, smallPipeline, startEngine, target } from '../support/fixtures.js';

/*
 * maxHold: a deployment held by something that never clears does not wait forever. It gives up
 * with its own outcome, `expired`, and takes every target it moved back to the previous version
 * (nobody watches them for this change any more, and the fleet should run one known version).
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const hours = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;

describe('a deployment held longer than maxHold', () => {
  it('ends expired, says what held it, and rolls back the waves it had done', async () => {
    const pipeline = smallPipeline({ maxHold: '2h' });
    // Wave one (us-east-1) runs at once; wave two's region has a blocker alarm that never clears.
    engine = await startEngine(pipeline, {
      blockers: [{ kind: 'alarm', name: 'orders-errors-eu-west-1', region: 'eu-west-1', at: '0s' }],
    });

    const { outcome, view } = await deploy(engine, pipeline);

    expect(outcome.status).toBe('FAILED');
    expect(view.deployment.status).toBe('expired');
    expect(view.deployment.rollback).toMatchObject({
      triggeredBy: 'hold-expired',
      reason: expect.stringMatching(
        /^held for 2h\S*, longer than maxHold \(2h\): wave two waits: alarm "orders-errors-eu-west-1" is in ALARM/,
      ),
    });
    const held = view.events.find((e) => e.type === 'wave-blocked' && e.wave === 1)!;
    const expired = view.events.find((e) => e.type === 'hold-expired')!;
    expect(hours(held.at, expired.at)).toBeGreaterThan(2);
    expect(hours(held.at, expired.at)).toBeLessThan(2.3);
    expect(view.events.filter((e) => e.type === 'deployment-expired')).toHaveLength(1);
    // Wave one passed its bake (its record says so) before the deployment gave up; its targets
    // are back on v1 all the same. Wave two never started.
    expect(view.waves.map((w) => w.status)).toEqual(['succeeded', 'waiting']);
    for (const id of ['a1', 'a2']) {
      expect(engine.fleet.routing(id)).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
    expect(engine.fleet.aliasHistory('b1')).toHaveLength(1);
  });

  it('keeps waiting while held less than maxHold (7 days by default), and expires once held longer', async () => {
    // GIVEN a pipeline without maxHold whose only wave's region alarm is in ALARM for good
    const pipeline = smallPipeline({ waves: [{ name: 'europe', targets: [target('b1', 'eu-west-1')] }] });
    expect(pipeline.maxHold).toBe(7 * 86_400);
    engine = await startEngine(pipeline, {
      blockers: [{ kind: 'alarm', name: 'orders-errors-eu-west-1', region: 'eu-west-1', at: '0s' }],
    });
    const { deploymentId, done } = engine.startDeployment({
      pipeline: pipeline.name,
      change: { id: 'change-1', version: '2' },
    });
    const startedMs = engine.time.nowMs();
    const read = () => engine!.io(() => engine!.store.getDeploymentView(deploymentId));

    // WHEN six virtual days have passed
    await engine.drive(new Promise((resolve) => setTimeout(resolve, 6 * 86_400_000)));
    const waiting = (await read())!;

    // THEN it is still running, held at its only wave since it started, and has not given up
    expect(waiting.deployment.status).toBe('running');
    expect(waiting.deployment.hold?.what).toMatch(/^wave europe waits: alarm "orders-errors-eu-west-1"/);
    const since = waiting.deployment.hold!.since!;
    expect(hours(since, new Date(engine.time.nowMs()).toISOString())).toBeGreaterThan(5 * 24 + 23);
    expect(Date.parse(since) - startedMs).toBeLessThan(600_000);
    expect(waiting.waves.map((w) => w.status)).toEqual(['waiting']);
    expect(waiting.events.some((e) => e.type === 'hold-expired')).toBe(false);

    // WHEN it runs on
    const outcome = await engine.drive(done);
    const ended = (await read())!;

    // THEN it expires once held past 7 days, not before
    expect(outcome.status).toBe('FAILED');
    expect(ended.deployment.status).toBe('expired');
    expect(ended.deployment.rollback?.reason).toMatch(
      /^held for 7d\S*, longer than maxHold \(7d\): wave europe waits/,
    );
    const expired = ended.events.find((e) => e.type === 'hold-expired')!;
    expect(hours(since, expired.at)).toBeGreaterThanOrEqual(7 * 24);
    expect(hours(since, expired.at)).toBeLessThan(7 * 24 + 0.5);
  }, 180_000);
});

describe('time held by blockers', () => {
  it('adds the seconds a wave waited to the deployment, by blocker kind, once the wait is over', async () => {
    // GIVEN wave two's region alarm in ALARM for the first 20 hours
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline, {
      blockers: [
        { kind: 'alarm', name: 'orders-errors-eu-west-1', region: 'eu-west-1', at: '0s', until: '20h' },
      ],
    });

    // WHEN the deployment runs to the end
    const { view } = await deploy(engine, pipeline);

    // THEN it succeeded, its hold is over, and the alarm's kind is charged the whole wait of wave two
    expect(view.deployment.status).toBe('succeeded');
    expect(view.deployment.hold).toEqual({});
    const blocked = view.events.find((e) => e.type === 'wave-blocked' && e.wave === 1)!;
    const unblocked = view.events.find((e) => e.type === 'wave-unblocked' && e.wave === 1)!;
    const waited = (Date.parse(unblocked.at) - Date.parse(blocked.at)) / 1000;
    expect(waited).toBeGreaterThan(3_600);
    expect(Object.keys(view.deployment.heldSeconds ?? {})).toEqual(['alarm']);
    expect(Math.abs(view.deployment.heldSeconds!.alarm! - waited)).toBeLessThanOrEqual(1);
  }, 120_000);
});
