import { afterEach, describe, expect, it } from 'vitest';
import { simulate } from '../../src/cli/simulate.js';
import type { PipelineInput } from '../../src/core/pipeline.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import type { ScenarioInput } from '../../src/local/scenario.js';
import { deploy, errorRateAlarms, smallPipeline, startEngine, target } from '../support/fixtures.js';

/*
 * Deployment hooks on the embedded engine: the real ASL runs the RunHooks step at each moment,
 * the simulated hook answers what the scenario says after its `after` of virtual time, and a
 * failure (or no answer by the hook's timeout) rolls back like an alarm, naming the hook.
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const HOOKS: PipelineInput['waves'][number]['hooks'] = [
  { name: 'warm-up', function: 'warm-up-fn', at: 'beforeTraffic', scope: 'wave' },
  { name: 'contract', function: 'contract-tests', at: 'beforeTraffic' },
  { name: 'canary', function: 'canary-tests', at: 'afterOneBox', timeout: '2m' },
  { name: 'e2e', function: 'e2e-tests', at: 'afterTraffic' },
  {
    name: 'report',
    function: 'arn:aws:lambda:eu-west-1:999999999999:function:report',
    at: 'afterTraffic',
    scope: 'wave',
  },
];

function hooked() {
  return smallPipeline({
    waves: [{ name: 'one', targets: [target('a1'), target('a2')], hooks: HOOKS }],
  });
}

async function run(scenario: ScenarioInput = {}) {
  const pipeline = hooked();
  engine = await startEngine(pipeline, scenario);
  return deploy(engine, pipeline);
}

const at = (events: readonly { type: string; at: string; message: string }[], type: string, has = '') =>
  events.find((e) => e.type === type && e.message.includes(has))?.at;

describe('deployment hooks', () => {
  it('runs every hook at its moment, per target and per wave, and deploys when all succeed', async () => {
    // Act
    const { view } = await run();

    // Assess
    expect(view.deployment.status).toBe('succeeded');
    const invoked = view.events.filter((e) => e.type === 'hook-invoked').map((e) => e.message.split(' ')[1]);
    expect(invoked).toEqual(['warm-up', 'contract', 'contract', 'canary', 'canary', 'e2e', 'e2e', 'report']);
    expect(view.events.filter((e) => e.type === 'hook-succeeded')).toHaveLength(8);
    const ev = view.events;
    expect(at(ev, 'hook-succeeded', 'warm-up')! < at(ev, 'target-prepared')!).toBe(true);
    expect(at(ev, 'hook-succeeded', 'contract')! < at(ev, 'one-box-started')!).toBe(true);
    expect(at(ev, 'bake-baked', 'one-box')! < at(ev, 'hook-invoked', 'canary')!).toBe(true);
    expect(at(ev, 'hook-succeeded', 'canary')! < at(ev, 'weight-shifted', 'at 50%')!).toBe(true);
    expect(at(ev, 'hook-succeeded', 'report')! < at(ev, 'wave-bake-started')!).toBe(true);
    // each hook's answer is kept on its target (a retried step does not invoke it again)
    expect(view.targets.find((t) => t.targetId === 'a1')?.hooks).toMatchObject({
      'beforeTraffic:contract': { status: 'succeeded' },
      'afterOneBox:canary': { status: 'succeeded' },
      'afterTraffic:e2e': { status: 'succeeded' },
    });
    expect(view.waves[0]?.hooks).toMatchObject({ 'afterTraffic:report': { status: 'succeeded' } });
  });

  it('rolls back before any traffic moves when a beforeTraffic hook fails, saying which and why', async () => {
    // Act
    const { view } = await run({
      hooks: [
        { name: 'contract', targets: ['a2'], outcome: 'failed', reason: '3 of 40 contract checks failed' },
      ],
    });

    // Assess
    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback).toMatchObject({
      triggeredBy: 'hook',
      reason: 'hook contract (beforeTraffic on a2) failed: 3 of 40 contract checks failed',
    });
    expect(view.events.some((e) => e.type === 'one-box-started' || e.type === 'weight-shifted')).toBe(false);
    for (const id of ['a1', 'a2']) {
      expect(
        engine!.fleet.aliasHistory(id).every((r) => r.additional === null && r.functionVersion === '1'),
      ).toBe(true);
      expect(engine!.fleet.routing(id)).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
  });

  it('fails a hook that does not answer at its timeout, and rolls the one-box back', async () => {
    // Act
    const { view } = await run({ hooks: [{ name: 'canary', outcome: 'no-answer' }] });

    // Assess
    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback?.reason).toMatch(
      /hook canary \(afterOneBox on a[12]\) failed: no answer within 2m/,
    );
    const invoked = Date.parse(at(view.events, 'hook-invoked', 'canary')!);
    const failed = Date.parse(at(view.events, 'hook-failed', 'canary')!);
    expect(failed - invoked).toBe(120_000);
    expect(view.events.some((e) => e.type === 'weight-shifted' && e.message.includes('50%'))).toBe(false);
    expect(engine!.fleet.routing('a1')).toMatchObject({ primaryVersion: '1', additionalVersion: null });
  });

  it('treats an answer slower than the timeout as no answer', async () => {
    // Act
    const { view } = await run({ hooks: [{ name: 'canary', after: '3m' }] });

    // Assess
    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback?.reason).toMatch(/no answer within 2m/);
  });

  it('never runs a hook once a rollback has begun', async () => {
    // Act: the one-box fails its alarm; the afterOneBox and later hooks must not run
    const { view } = await run({
      faults: [{ targets: ['a1'], at: '3m', kind: 'sudden', errorRate: 0.3, version: 'candidate' }],
    });

    // Assess
    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback?.triggeredBy).not.toBe('hook');
    const invoked = view.events.filter((e) => e.type === 'hook-invoked').map((e) => e.message.split(' ')[1]);
    expect(invoked).toEqual(['warm-up', 'contract', 'contract']);
  });
});

describe('pre-production stages', () => {
  it('run before the first production wave', async () => {
    // Prepare
    const pipeline = smallPipeline({
      waves: [
        { name: 'beta', stage: 'pre-production', targets: [target('beta1')] },
        { name: 'prod', targets: [target('p1'), target('p2', 'eu-west-1')] },
      ],
    });
    engine = await startEngine(pipeline);

    // Act
    const { view } = await deploy(engine, pipeline);

    // Assess
    expect(view.deployment.status).toBe('succeeded');
    const started = view.events.filter((e) => e.type === 'wave-started').map((e) => e.wave);
    expect(started).toEqual([0, 1]);
    expect(at(view.events, 'wave-succeeded')! < at(view.events, 'wave-started', 'prod')!).toBe(true);
  });

  it('are listed with their stage in simulate --json', async () => {
    // Act
    const result = await simulate(
      smallPipeline({
        waves: [
          { name: 'beta', stage: 'pre-production', targets: [target('beta1')] },
          { name: 'prod', targets: [target('p1')] },
        ],
      }),
      { alarms: errorRateAlarms() },
    );

    // Assess
    expect(result.waves.map((w) => [w.name, w.stage, w.outcome])).toEqual([
      ['beta', 'pre-production', 'succeeded'],
      ['prod', 'production', 'succeeded'],
    ]);
  });
});

describe('scenario hooks', () => {
  it('refuses an entry for a hook no pipeline wave has, naming the ones it has', async () => {
    // Act
    const act = run({ hooks: [{ name: 'contrcat', outcome: 'failed' }] });

    // Assess
    await expect(act).rejects.toMatchObject({
      issues: [
        expect.objectContaining({
          path: 'hooks[0].name',
          message: expect.stringMatching(
            /no pipeline wave has a hook named "contrcat" \(hooks: warm-up, contract/,
          ),
        }),
      ],
    });
  });
});
