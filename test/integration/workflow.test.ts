import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedEngine, lambdaArn } from '../../src/local/engine.js';
import { deploy, smallPipeline, startEngine } from '../support/fixtures.js';

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const minutes = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 60_000;

describe('deployment workflow on the embedded engine', () => {
  it('carries a healthy change through every wave to 100% and records each step', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);

    const { outcome, view } = await deploy(engine, pipeline);

    expect(outcome.status).toBe('SUCCEEDED');
    expect(view.deployment.status).toBe('succeeded');
    expect(view.waves.map((w) => w.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const t of pipeline.waves.flatMap((w) => w.targets)) {
      expect(engine.fleet.routing(t.id)).toMatchObject({ primaryVersion: '2', additionalVersion: null });
      // one-box at 10%, then 50%, then 100%: every step really reached the alias
      const weights = engine.fleet
        .aliasHistory(t.id)
        .map((h) => (h.additional ? h.additional.weight : h.functionVersion === '2' ? 1 : 0));
      expect(weights).toEqual([0, 0.1, 0.5, 1]);
    }
    // every child execution ran its Task states to success (no silent Catch path)
    expect(engine.stepFunctions.executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    const types = view.events.map((e) => e.type);
    expect(types).toContain('one-box-started');
    expect(types).toContain('wave-bake-started');
    expect(types.at(-1)).toBe('deployment-succeeded');
    // the milestones were published as deployment state changes, in order
    const published = engine.published.changes.map((c) => [c.status, c.waveIndex ?? null]);
    expect(published[0]).toEqual(['deployment-started', null]);
    expect(published).toContainEqual(['wave-started', 2]);
    expect(published.at(-1)).toEqual(['deployment-succeeded', null]);
    expect(engine.published.changes.every((c) => c.pipeline === 'orders' && c.key !== '')).toBe(true);
  });

  it('reads alarms once per region per check and counts data points once per bake, not once per target or poll', async () => {
    const pipeline = smallPipeline({
      waves: [
        {
          name: 'wide',
          concurrency: 4,
          targets: ['w1', 'w2', 'w3', 'w4'].map((id) => ({
            id,
            account: '123456789012',
            region: 'us-east-1',
            functionName: `fn-${id}`,
            alias: 'live',
          })),
        },
      ],
    });
    engine = await startEngine(pipeline);

    await deploy(engine, pipeline);

    const calls = (id: string) => engine!.stepFunctions.invocationsByFunction.get(lambdaArn(id)) ?? 0;
    const polls = calls('WaitForBake');
    // 4 targets, 2 alarms each, one region: exactly one DescribeAlarms per check (per-target reads
    // would make it 4 per check). The wave gate reads the wave's blocker alarms once per check, and
    // the batch its targets' blocker alarms once as it starts (not once per target). Data points
    // are counted once per bake, when its time is up and the healthy fleet has enough: one
    // GetMetricData for the one-box bake and one for the wave bake, however many polls.
    expect(polls).toBeGreaterThan(4);
    expect(calls('PrepareTarget')).toBe(1);
    expect(engine.fleet.callCounts.DescribeAlarms).toBe(
      polls + calls('CheckWaveGate') + calls('PrepareTarget'),
    );
    expect(calls('WaitForBake')).toBeGreaterThan(2);
    expect(engine.fleet.callCounts.GetMetricData).toBe(2);
  });

  it('rolls the wave back when a one-box alarm fires, and later waves never start', async () => {
    const pipeline = smallPipeline();
    // Wave one takes ~34m (one-box 10m, health checks 2 x 2m, wave bake 20m): wave two's one-box
    // runs from ~09:35 to ~09:45; b2's candidate starts failing at 09:38.
    engine = await startEngine(pipeline, {
      faults: [{ targets: ['b2'], at: '38m', kind: 'sudden', errorRate: 0.2, version: 'candidate' }],
    });

    const { outcome, view } = await deploy(engine, pipeline);

    expect(outcome.status).toBe('FAILED');
    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback?.alarm).toBe('orders-onebox-b2');
    // The alarm watcher (the alarm's event) or the one-box bake's check, whichever saw it first.
    expect(view.deployment.rollback?.reason).toMatch(/alarm orders-onebox-b2 \(eu-west-1\/\d+\) is in ALARM/);
    expect(view.waves.map((w) => w.status)).toEqual(['succeeded', 'rolled_back']);
    for (const id of ['a1', 'a2', 'b1', 'b2']) {
      expect(engine.fleet.routing(id)).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
    // wave three's alias was never touched
    expect(engine.fleet.aliasHistory('c1')).toHaveLength(1);
    const { detectedAt, trafficOffAt } = view.deployment.rollback!;
    expect(Date.parse(trafficOffAt!)).toBeGreaterThanOrEqual(Date.parse(detectedAt));
  });

  it('rolls back when errors creep up slowly during the wave bake', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline, {
      // Wave one reaches 100% at ~09:15 and bakes 20 minutes; the burn starts at 09:18.
      faults: [
        { targets: ['one'], at: '18m', kind: 'slow-burn', ramp: '20m', errorRate: 0.3, version: 'candidate' },
      ],
    });

    const { view } = await deploy(engine, pipeline);

    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback?.reason).toMatch(
      /alarm orders-(errors|onebox)-\S+ \(us-east-1\/\d+\) is in ALARM/,
    );
    const bakeStarted = view.events.find((e) => e.type === 'wave-bake-started' && e.wave === 0)!;
    expect(Date.parse(view.deployment.rollback!.detectedAt)).toBeGreaterThan(Date.parse(bakeStarted.at));
    expect(engine.fleet.aliasHistory('b1')).toHaveLength(1);
  });

  it('keeps baking while data points are short, then rolls back at the deadline and says why', async () => {
    const pipeline = smallPipeline({
      waves: [
        {
          name: 'quiet',
          targets: [
            { id: 'q1', account: '123456789012', region: 'us-east-1', functionName: 'fn-q1', alias: 'live' },
          ],
        },
      ],
    });
    // 5 requests/min: the one-box (10%) gets 0.5/min, ~20 in its 10 minutes and its 30 minutes of
    // grace; it needs 50.
    engine = await startEngine(pipeline, { traffic: { requestsPerMinute: 5 } });

    const { view } = await deploy(engine, pipeline);

    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback?.reason).toMatch(/bake inconclusive after .*only \d+ of 50 data points/);
    const inconclusive = view.events.find((e) => e.type === 'bake-inconclusive');
    expect(inconclusive).toBeDefined();
    const oneBox = view.events.find((e) => e.type === 'one-box-started')!;
    // 10 minutes of bake + 30 minutes of inconclusive grace, within one poll
    expect(minutes(oneBox.at, view.deployment.rollback!.detectedAt)).toBeGreaterThanOrEqual(40);
    expect(minutes(oneBox.at, view.deployment.rollback!.detectedAt)).toBeLessThan(42);
    expect(engine.fleet.routing('q1')).toMatchObject({ primaryVersion: '1', additionalVersion: null });
  });

  it('retries throttled Lambda and CloudWatch calls with back-off and still completes', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline, {
      apiFaults: [
        { api: 'UpdateAlias', error: 'throttle', count: 3 },
        { api: 'GetAlias', error: 'transient', count: 2 },
        { api: 'DescribeAlarms', error: 'throttle', count: 4 },
        { api: 'GetMetricData', error: 'throttle', count: 2 },
      ],
    });

    const { outcome, view } = await deploy(engine, pipeline);

    expect(outcome.status).toBe('SUCCEEDED');
    expect(view.deployment.status).toBe('succeeded');
    // the throttled calls were made again: 5 targets x 3 alias updates + the 3 refused ones
    expect(engine.fleet.callCounts.UpdateAlias).toBe(15 + 3);
  });

  it('rolls back every target of the wave when one target keeps failing its weight shift', async () => {
    const pipeline = smallPipeline();
    // a1's alias updates are throttled for 3 minutes from the first rolling step (~09:10):
    // the step's retries run out (~2 min), the Map stops its sibling, and the wave rolls back.
    engine = await startEngine(pipeline, {
      apiFaults: [{ api: 'UpdateAlias', error: 'throttle', targets: ['a1'], at: '10m', until: '13m' }],
    });

    const { view } = await deploy(engine, pipeline);

    expect(view.deployment.status).toBe('rolled_back');
    expect(view.deployment.rollback?.reason).toMatch(/ThrottledError|throttled/);
    for (const id of ['a1', 'a2']) {
      expect(engine.fleet.routing(id)).toMatchObject({ primaryVersion: '1', additionalVersion: null });
    }
    expect(view.waves[0]?.status).toBe('rolled_back');
  });

  it('makes a deployment of another pipeline wait for the alias lock on a shared target, then run', async () => {
    const x1 = {
      id: 'x1',
      account: '123456789012',
      region: 'us-east-1',
      functionName: 'fn-x1',
      alias: 'live',
    };
    const pipeline = smallPipeline({ waves: [{ name: 'only', targets: [x1] }] });
    const hotfix = smallPipeline({ name: 'orders-hotfix', waves: [{ name: 'fix', targets: [x1] }] });
    engine = await startEngine(pipeline, {}, [hotfix]);
    await engine.fleet.publishVersion(x1, { code: { s3Bucket: 'b', s3Key: 'v3.zip' }, description: 'v3' });

    const first = engine.startDeployment({ pipeline: 'orders', change: { id: 'first', version: '2' } });
    const second = engine.startDeployment({
      pipeline: 'orders-hotfix',
      change: { id: 'second', version: '3' },
    });
    const [a, b] = await engine.drive(Promise.all([first.done, second.done]));

    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const viewA = (await engine.io(() => engine!.store.getDeploymentView(first.deploymentId)))!;
    const viewB = (await engine.io(() => engine!.store.getDeploymentView(second.deploymentId)))!;
    const waited = viewB.events.find((e) => e.type === 'target-waiting-for-lock');
    expect(waited?.message).toContain(first.deploymentId);
    const firstDone = viewA.events.find((e) => e.type === 'deployment-succeeded')!.at;
    const secondOneBox = viewB.events.find((e) => e.type === 'one-box-started')!.at;
    expect(Date.parse(secondOneBox)).toBeGreaterThanOrEqual(Date.parse(firstDone));
    expect(engine.fleet.routing('x1')).toMatchObject({ primaryVersion: '3', additionalVersion: null });
    // the second took over from the first's version, so its rollback target is v2
    expect(viewB.targets[0]?.previousVersion).toBe('2');
  });

  it('fails at once with every problem listed when the start input is wrong', async () => {
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline);

    const { done } = engine.startDeployment({ pipeline: 'orders', change: { id: '' }, extra: true });
    const outcome = await engine.drive(done);

    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('InvalidInput');
    expect(outcome.cause).toMatch(/change\.id/);
    expect(outcome.cause).toMatch(/extra/);
    expect(engine.fleet.aliasHistory('a1')).toHaveLength(1);
  });
});
