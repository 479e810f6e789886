import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedPipeline } from '../../src/core/pipeline.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import type { ScenarioInput } from '../../src/local/scenario.js';
import { deploy, smallPipeline, startEngine, target } from '../support/fixtures.js';

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const at = (view: Awaited<ReturnType<typeof deploy>>['view'], type: string, wave?: number) =>
  view.events.find((e) => e.type === type && (wave === undefined || e.wave === wave))?.at;

function onePipeline(extra: Parameters<typeof smallPipeline>[0] = {}): ResolvedPipeline {
  return smallPipeline({ waves: [{ name: 'one', targets: [target('a1'), target('a2')] }], ...extra });
}

async function run(pipeline: ResolvedPipeline, scenario: ScenarioInput) {
  engine = await startEngine(pipeline, scenario);
  return deploy(engine, pipeline);
}

describe('blockers hold a wave before it starts', () => {
  it('waits over a weekend for the time window, then deploys on Monday morning', async () => {
    const pipeline = onePipeline({
      defaults: {
        ...smallPipelineDefaults(),
        window: {
          days: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
          hours: { from: '09:00', to: '17:00' },
          holidays: false,
        },
      },
    });
    // Saturday 2026-11-28 10:00 in New York (us-east-1's zone)
    const { view } = await run(pipeline, { start: '2026-11-28T15:00:00Z' });

    expect(view.deployment.status).toBe('succeeded');
    expect(view.events.find((e) => e.type === 'wave-blocked')?.message).toMatch(/weekend/i);
    // Monday 09:00 EST = 14:00Z
    expect(at(view, 'one-box-started')! >= '2026-11-30T14:00:00').toBe(true);
    expect(at(view, 'one-box-started')! < '2026-11-30T14:01:00').toBe(true);
    expect(at(view, 'wave-unblocked')).toBeDefined();
  });

  it('notices a stop request within 15 minutes while waiting for the window', async () => {
    const pipeline = onePipeline({
      defaults: {
        ...smallPipelineDefaults(),
        window: { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: false },
      },
    });
    engine = await startEngine(pipeline, { start: '2026-11-28T15:00:00Z' });
    const { deploymentId, done } = engine.startDeployment({
      pipeline: 'orders',
      change: { id: 'c1', version: '2' },
    });
    // An hour into the weekend wait, someone stops it (as POST /deployments/{id}/stop does).
    setTimeout(
      () =>
        void engine!.time.track(() =>
          engine!.store.updateDeployment(deploymentId, {
            cancelRequest: { by: 'dana', reason: 'wrong build', at: '2026-11-28T16:00:00Z' },
          }),
        ),
      3_600_000,
    );
    await engine.drive(done);
    const view = (await engine.io(() => engine!.store.getDeploymentView(deploymentId)))!;

    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback?.reason).toMatch(/stopped by dana: wrong build/);
    expect(Date.parse(view.deployment.endedAt!)).toBeLessThanOrEqual(Date.parse('2026-11-28T16:15:01Z'));
    expect(engine.fleet.aliasHistory('a1')).toHaveLength(1);
  });

  it('waits over a public holiday in the target region', async () => {
    const pipeline = onePipeline({ defaults: { ...smallPipelineDefaults(), window: {} } });
    // Thanksgiving, Thursday 2026-11-26, 10:00 in New York: closed for the holiday, opens Friday 09:00.
    const { view } = await run(pipeline, { start: '2026-11-26T15:00:00Z' });

    expect(view.events.find((e) => e.type === 'wave-blocked')?.message).toMatch(/Thanksgiving/);
    expect(at(view, 'one-box-started')! >= '2026-11-27T14:00:00').toBe(true);
  });

  it('waits while a blocker alarm is in ALARM, then deploys once it clears', async () => {
    const { view } = await run(onePipeline(), {
      blockers: [
        { kind: 'alarm', name: 'orders-errors-us-east-1', region: 'us-east-1', at: '0s', until: '40m' },
      ],
    });

    expect(view.deployment.status).toBe('succeeded');
    expect(view.events.find((e) => e.type === 'wave-blocked')?.message).toMatch(
      /alarm "orders-errors-us-east-1" is in ALARM since 2026-11-23T09:00/,
    );
    const started = Date.parse(at(view, 'one-box-started')!);
    expect(started).toBeGreaterThanOrEqual(Date.parse('2026-11-23T09:40:00Z'));
    expect(started).toBeLessThan(Date.parse('2026-11-23T09:46:00Z'));
  });

  it('starts despite a manual block once a named person overrides it, and records who and why', async () => {
    const pipeline = onePipeline();
    engine = await startEngine(pipeline, {
      blockers: [
        {
          kind: 'manual',
          id: 'freeze',
          scope: { kind: 'pipeline', pipeline: 'orders' },
          reason: 'load test',
          author: 'dana',
          at: '0s',
        },
      ],
    });
    const { deploymentId, done } = engine.startDeployment({
      pipeline: 'orders',
      change: { id: 'c1', version: '2' },
    });
    await engine.io(() =>
      engine!.store.putOverride({
        deploymentId,
        blockerId: 'manual:freeze',
        by: 'erin',
        reason: 'fix for INC-42',
        at: '2026-11-23T09:00:00Z',
      }),
    );
    await engine.drive(done);
    const view = (await engine.io(() => engine!.store.getDeploymentView(deploymentId)))!;

    expect(view.deployment.status).toBe('succeeded');
    const applied = view.events.find((e) => e.type === 'override-applied');
    expect(applied?.message).toMatch(/overridden by erin \(fix for INC-42\)/);
    expect(view.overrides).toEqual([expect.objectContaining({ blockerId: 'manual:freeze', by: 'erin' })]);
  });

  it('does not let an alarm override count unless it ships the fix for that alarm', async () => {
    const pipeline = onePipeline();
    engine = await startEngine(pipeline, {
      blockers: [
        { kind: 'alarm', name: 'orders-errors-us-east-1', region: 'us-east-1', at: '0s', until: '30m' },
      ],
    });
    const { deploymentId, done } = engine.startDeployment({
      pipeline: 'orders',
      change: { id: 'c1', version: '2' },
    });
    await engine.io(() =>
      engine!.store.putOverride({
        deploymentId,
        blockerId: 'alarm:orders-errors-us-east-1',
        by: 'erin',
        reason: 'in a hurry',
        at: '2026-11-23T09:00:00Z',
      }),
    );
    await engine.drive(done);
    const view = (await engine.io(() => engine!.store.getDeploymentView(deploymentId)))!;

    expect(Date.parse(at(view, 'one-box-started')!)).toBeGreaterThanOrEqual(
      Date.parse('2026-11-23T09:30:00Z'),
    );
    expect(view.events.some((e) => e.type === 'override-applied')).toBe(false);
  });

  it('never holds a rollback: a block placed during the deployment does not delay it', async () => {
    const pipeline = onePipeline();
    const { view } = await run(pipeline, {
      blockers: [
        { kind: 'manual', scope: { kind: 'global' }, reason: 'change freeze', author: 'dana', at: '5m' },
      ],
      faults: [{ targets: ['a1'], at: '6m', kind: 'sudden', errorRate: 0.3 }],
    });

    expect(view.deployment.status).toBe('rolled_back');
    const { detectedAt, trafficOffAt } = view.deployment.rollback!;
    expect(Date.parse(trafficOffAt!) - Date.parse(detectedAt)).toBeLessThan(60_000);
  });
});

describe('expedited changes', () => {
  const expedite = { bakeFraction: 0.25, minBake: '2m' };

  async function timed(approvedBy: string | undefined) {
    const pipeline = onePipeline({ expedite });
    engine = await startEngine(pipeline);
    const { deploymentId, done } = engine.startDeployment({
      pipeline: 'orders',
      change: { id: 'hotfix', version: '2' },
      requestedBy: 'bob',
      expedite: { reason: 'fix for INC-42' },
    });
    if (approvedBy) {
      // approved before the wave starts (the API does this through updateDeployment)
      await engine.io(async () => {
        for (;;) {
          const d = await engine!.store.getDeployment(deploymentId);
          if (d?.expedite) {
            await engine!.store.updateDeployment(deploymentId, {
              expedite: { ...d.expedite, approvedBy, approvedAt: '2026-11-23T09:00:00Z' },
            });
            return;
          }
          await new Promise((r) => setImmediate(r));
        }
      });
    }
    await engine.drive(done);
    const view = (await engine.io(() => engine!.store.getDeploymentView(deploymentId)))!;
    await engine.close();
    engine = undefined;
    return view;
  }

  it('runs at normal speed without an approval, and shorter bakes once someone else approves', async () => {
    const normal = await timed(undefined);
    const fast = await timed('carol');

    expect(normal.deployment.status).toBe('succeeded');
    expect(fast.deployment.status).toBe('succeeded');
    expect(normal.events.some((e) => e.type === 'expedite-not-approved')).toBe(true);
    expect(fast.events.find((e) => e.type === 'expedite-applied')?.message).toMatch(/approved by carol/);
    const took = (v: typeof normal) => Date.parse(v.deployment.endedAt!) - Date.parse(v.deployment.createdAt);
    // one-box 10m -> 2.5m, health checks stay at their 2m floor, wave bake 20m -> 5m
    expect(took(fast)).toBeLessThan(took(normal) * 0.6);
    // the one-box and alarm rollback stay: one-box still happened
    expect(fast.events.some((e) => e.type === 'one-box-started')).toBe(true);
  });
});

describe('pipelining', () => {
  it('carries two changes through three waves in order, never two in one wave', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);
    for (const t of pipeline.waves.flatMap((w) => w.targets)) {
      await engine.fleet.publishVersion(t, { code: { s3Bucket: 'b', s3Key: 'v3.zip' }, description: 'v3' });
    }
    const a = engine.startDeployment({ pipeline: 'orders', change: { id: 'A', version: '2' } });
    const b = engine.startDeployment({ pipeline: 'orders', change: { id: 'B', version: '3' } });
    await engine.drive(Promise.all([a.done, b.done]));
    const va = (await engine.io(() => engine!.store.getDeploymentView(a.deploymentId)))!;
    const vb = (await engine.io(() => engine!.store.getDeploymentView(b.deploymentId)))!;

    expect([va.deployment.status, vb.deployment.status]).toEqual(['succeeded', 'succeeded']);
    for (const w of [0, 1, 2]) {
      // B enters each wave only after A has left it
      expect(at(vb, 'wave-started', w)! >= at(va, 'wave-succeeded', w)!).toBe(true);
    }
    // ...but B does not wait for A to finish everything: it is in wave one while A is in wave two
    expect(at(vb, 'wave-started', 0)! < at(va, 'wave-succeeded', 1)!).toBe(true);
    expect(vb.events.find((e) => e.type === 'wave-blocked')?.message).toMatch(/still carries deployment/);
    for (const t of pipeline.waves.flatMap((w) => w.targets)) {
      expect(engine.fleet.routing(t.id)).toMatchObject({ primaryVersion: '3', additionalVersion: null });
    }
  });

  it('lets the newest waiting change supersede the older waiting ones', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);
    const a = engine.startDeployment({ pipeline: 'orders', change: { id: 'A', version: '2' } });
    const b = engine.startDeployment({ pipeline: 'orders', change: { id: 'B', version: '2' } });
    const c = engine.startDeployment({ pipeline: 'orders', change: { id: 'C', version: '2' } });
    await engine.drive(Promise.all([a.done, b.done, c.done]));
    const status = async (id: string) => (await engine!.io(() => engine!.store.getDeployment(id)))!.status;

    expect(await status(a.deploymentId)).toBe('succeeded');
    expect(await status(b.deploymentId)).toBe('superseded');
    expect(await status(c.deploymentId)).toBe('succeeded');
  });
});

function smallPipelineDefaults() {
  return {
    concurrency: 2,
    oneBox: { weight: 10, bake: { duration: '10m', minDataPoints: 50 } },
    rolling: { weights: [50, 100], healthCheck: '2m' },
    bake: { duration: '20m', minDataPoints: 200 },
    alarms: { rollback: ['orders-errors-{target.region}'], oneBox: ['orders-onebox-{target.id}'] },
    pollInterval: '1m',
    inconclusiveTimeout: '30m',
  };
}

describe('organisation-wide alarms', () => {
  it('hold every wave while an organisation-wide alarm is in ALARM', async () => {
    const pipeline = onePipeline();
    const { EmbeddedEngine } = await import('../../src/local/engine.js');
    const { parseScenario } = await import('../../src/local/scenario.js');
    const { errorRateAlarms } = await import('../support/fixtures.js');
    engine = await EmbeddedEngine.start({
      scenario: parseScenario({
        start: '2026-11-23T09:00:00Z',
        alarms: errorRateAlarms(),
        blockers: [
          { kind: 'alarm', name: 'org-sev1-us-east-1', region: 'us-east-1', at: '0s', until: '25m' },
        ],
      }),
      pipelines: [pipeline],
      organisationAlarms: ['org-sev1-{target.region}'],
    });
    for (const t of pipeline.waves.flatMap((w) => w.targets)) {
      await engine.fleet.publishVersion(t, { code: { s3Bucket: 'b', s3Key: 'v2.zip' }, description: 'v2' });
    }
    const { view } = await deploy(engine, pipeline);

    expect(view.events.find((e) => e.type === 'wave-blocked')?.message).toMatch(/org-sev1-us-east-1/);
    expect(Date.parse(at(view, 'one-box-started')!)).toBeGreaterThanOrEqual(
      Date.parse('2026-11-23T09:25:00Z'),
    );
    expect(view.deployment.status).toBe('succeeded');
  });
});
