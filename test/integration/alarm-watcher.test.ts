import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmStateValue } from '../../src/core/alarm-state.js';
import { type ResolvedPipeline, resolvePipeline } from '../../src/core/pipeline.js';
import { toAlarmStateChangeEvent } from '../../src/local/alarm-events.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { ACCOUNT, deploy, startEngine, target } from '../support/fixtures.js';

/*
 * The alarm watcher against events it cannot trust to come once or in order (EventBridge
 * delivers at least once): the events are put on the embedded bus at set virtual times while a
 * deployment runs, matched by the CDK rule's pattern and handled by the real handler.
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const START = Date.parse('2026-11-23T09:00:00Z');
const MINUTE = 60_000;

/** One target from 09:00: one-box bake 09:00-09:30, then 100 % and a 30-minute wave bake. */
function pipeline(): ResolvedPipeline {
  return resolvePipeline({
    name: 'orders',
    defaults: {
      oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 20 } },
      rolling: { weights: [100], healthCheck: '5m' },
      bake: { duration: '30m', minDataPoints: 50 },
      alarms: { rollback: ['orders-errors-{target.region}'], oneBox: [] },
    },
    waves: [{ name: 'one', targets: [target('a1')] }],
  });
}

function alarmEvent(to: AlarmStateValue, atMs: number, from: AlarmStateValue = 'OK') {
  return toAlarmStateChangeEvent({
    name: 'orders-errors-us-east-1',
    kind: 'metric',
    account: ACCOUNT,
    region: 'us-east-1',
    from,
    to,
    reason: `Threshold Crossed: went to ${to}`,
    atMs,
    previousReason: 'Threshold Crossed',
    previousAtMs: atMs - MINUTE,
  });
}

/** Puts `event` on the engine's bus at `atMs` on the virtual clock. */
function putAt(e: EmbeddedEngine, atMs: number, event: ReturnType<typeof alarmEvent>) {
  setTimeout(() => e.watcher.bus.put(event), atMs - e.time.nowMs());
}

describe('the alarm watcher', () => {
  it('rolls back once however often the same ALARM event is delivered', async () => {
    const p = pipeline();
    engine = await startEngine(p, { alarmEvents: 'lost' });
    const event = alarmEvent('ALARM', START + 10 * MINUTE);
    for (const delay of [0, 1_000, 2_000, 30_000]) putAt(engine, START + 10 * MINUTE + delay, event);

    const { view: ended } = await deploy(engine, p);
    // The deployment may end before the last copy arrives: let every copy be delivered.
    await engine.drive(
      new Promise((resolve) => setTimeout(resolve, START + 11 * MINUTE - engine!.time.nowMs())),
    );
    const view = (await engine.io(() => engine!.store.getDeploymentView(ended.deployment.id)))!;

    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback).toMatchObject({
      triggeredBy: 'alarm-event',
      alarm: 'orders-errors-us-east-1',
      alarmAt: '2026-11-23T09:10:00.000Z',
    });
    expect(view.events.filter((e) => e.type === 'rollback-triggered')).toHaveLength(1);
    expect(view.events.filter((e) => e.type === 'target-rolled-back')).toHaveLength(1);
    expect(engine.watcher.deliveries()).toMatchObject({ put: 4, delivered: 4, failed: 0 });
    // One fence write by the watcher, then nothing: the later events and the workflow's rollback
    // find the target already back.
    const history = engine.fleet.aliasHistory('a1');
    expect(history.at(-1)).toMatchObject({ functionVersion: '1', additional: null });
    expect(history.filter((h) => h.additional === null && h.functionVersion === '1')).toHaveLength(2);
  });

  it('ignores OK and INSUFFICIENT_DATA events, and an old ALARM event about an alarm that has recovered', async () => {
    const p = pipeline();
    engine = await startEngine(p, { alarmEvents: 'lost' });
    // Out of order: the alarm's ALARM from before this deployment watched it arrives late, after
    // it recovered; OK and INSUFFICIENT_DATA events do not match the rule at all.
    putAt(engine, START + 5 * MINUTE, alarmEvent('OK', START + 4 * MINUTE, 'ALARM'));
    putAt(engine, START + 6 * MINUTE, alarmEvent('ALARM', START - 60 * MINUTE));
    putAt(engine, START + 7 * MINUTE, alarmEvent('INSUFFICIENT_DATA', START + 6 * MINUTE, 'OK'));

    const { view } = await deploy(engine, p);

    expect(view.deployment.status).toBe('succeeded');
    expect(engine.watcher.deliveries()).toMatchObject({ put: 3, matched: 1, delivered: 1 });
    expect(engine.fleet.routing('a1')).toMatchObject({ primaryVersion: '2', additionalVersion: null });
  });

  it('leaves a deployment that has ended alone', async () => {
    const p = pipeline();
    engine = await startEngine(p, { alarmEvents: 'lost' });
    const { view } = await deploy(engine, p);
    expect(view.deployment.status).toBe('succeeded');

    engine.watcher.bus.put(alarmEvent('ALARM', engine.time.nowMs()));
    await engine.drive(new Promise((resolve) => setTimeout(resolve, 5_000)));

    const after = await engine.io(() => engine!.store.getDeploymentView(view.deployment.id));
    expect(after?.deployment.status).toBe('succeeded');
    expect(after?.events.some((e) => e.type === 'rollback-triggered')).toBe(false);
    expect(engine.fleet.routing('a1')).toMatchObject({ primaryVersion: '2', additionalVersion: null });
  });
});
