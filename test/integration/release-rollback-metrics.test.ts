import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../src/api/deps.js';
import { rollBackReleaseByHand } from '../../src/api/release-rollback.js';
import { TransientError } from '../../src/core/errors.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { silentLog } from '../../src/ports/log.js';
import type { DeploymentStore, DeploymentView } from '../../src/ports/store.js';
import type { StepDeps } from '../../src/workflow/deps.js';
import { rollBackRelease } from '../../src/workflow/release-rollback.js';
import { aliasRef } from '../../src/workflow/routing.js';
import { deploy, smallPipeline, startEngine } from '../support/fixtures.js';
import { RecordedMetrics } from '../support/recorded-metrics.js';

/*
 * A release rollback is counted as it is committed: started once when the RollBackRelease step
 * records its start, completed once when it writes the end status, with the time from the request
 * to the last wave back — on the real ReleaseRollback ASL, and when a step is retried after
 * committing either fact.
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function apiDeps(e: EmbeddedEngine, starter: ApiDeps['starter'] = e.apiStarter()) {
  return { store: e.store, starter, clock: e.time };
}

async function succeededRelease(metrics: RecordedMetrics) {
  const pipeline = smallPipeline();
  engine = await startEngine(pipeline, {}, [], { deploymentMetrics: metrics });
  const { view, deploymentId } = await deploy(engine, pipeline);
  expect(view.deployment.status).toBe('succeeded');
  return deploymentId;
}

/** Seconds from the request to the last wave of the release back, as the records say. */
function requestToLastWaveBack(view: DeploymentView): number {
  const last = Math.max(...view.waves.map((w) => Date.parse(w.rolledBackAt!)));
  return (last - Date.parse(view.deployment.releaseRollback!.requestedAt)) / 1000;
}

/** A starter that starts nothing: the test starts (or runs) the ReleaseRollback itself. */
const noExecution = {
  startDeployment: async () => ({ executionArn: 'arn:not-started' }),
  startReleaseRollback: async () => ({ executionArn: 'arn:not-started' }),
};

/** Virtual time passing (the engine fakes setTimeout). */
const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('release rollback metrics on the embedded engine', () => {
  it('counts a fast release rollback once as started and once as completed, with the time from the request to the last target back', async () => {
    const metrics = new RecordedMetrics();
    const id = await succeededRelease(metrics);
    const e = engine!;
    await e.io(() =>
      rollBackReleaseByHand(apiDeps(e, noExecution), id, { by: 'alice', reason: 'error budget burn' }),
    );
    // The execution starts 90 seconds after the request (as if StartExecution had been throttled).
    await e.drive(later(90_000));
    const outcome = await e.drive(e.startReleaseRollback(id).done);
    const view = (await e.io(() => e.store.getDeploymentView(id)))!;

    expect(outcome.status).toBe('SUCCEEDED');
    expect(view.deployment.status).toBe('rolled_back');
    expect(metrics.named('ReleaseRollbacksStarted')).toEqual([
      {
        name: 'ReleaseRollbacksStarted',
        value: 1,
        unit: 'Count',
        dimensions: { pipeline: 'orders', mode: 'fast' },
      },
    ]);
    expect(metrics.named('ReleaseRollbacksCompleted')).toEqual([
      {
        name: 'ReleaseRollbacksCompleted',
        value: 1,
        unit: 'Count',
        dimensions: { pipeline: 'orders', mode: 'fast', outcome: 'rolled_back' },
      },
    ]);
    const seconds = requestToLastWaveBack(view);
    expect(seconds).toBeGreaterThanOrEqual(90);
    expect(seconds).toBeLessThan(120);
    expect(metrics.named('ReleaseRollbackSeconds')).toEqual([
      {
        name: 'ReleaseRollbackSeconds',
        value: seconds,
        unit: 'Seconds',
        dimensions: { pipeline: 'orders', mode: 'fast' },
      },
    ]);
    // A release rollback is not a deployment's own rollback.
    expect(metrics.named('DeploymentsRolledBack')).toEqual([]);
    expect(metrics.named('AlarmToTrafficOffSeconds')).toEqual([]);
  });

  it('counts a hurried reverse-waves rollback under the mode first asked for, its time spanning the bake it waited', async () => {
    const metrics = new RecordedMetrics();
    const id = await succeededRelease(metrics);
    const e = engine!;
    await e.io(() =>
      rollBackReleaseByHand(apiDeps(e), id, { by: 'bob', reason: 'slow burn', mode: 'reverse-waves' }),
    );
    const { done } = e.startReleaseRollback(id);
    await e.drive(later(5 * 60_000));
    await e.io(() =>
      rollBackReleaseByHand(apiDeps(e), id, { by: 'carol', reason: 'it is spreading', mode: 'fast' }),
    );
    await e.drive(done);
    const view = (await e.io(() => e.store.getDeploymentView(id)))!;

    expect(view.deployment.releaseRollback).toMatchObject({ mode: 'fast', hurriedBy: 'carol' });
    expect(metrics.named('ReleaseRollbacksStarted').map((p) => p.dimensions)).toEqual([
      { pipeline: 'orders', mode: 'reverse-waves' },
    ]);
    expect(metrics.named('ReleaseRollbacksCompleted').map((p) => p.dimensions)).toEqual([
      { pipeline: 'orders', mode: 'reverse-waves', outcome: 'rolled_back' },
    ]);
    const [time] = metrics.named('ReleaseRollbackSeconds');
    expect(metrics.named('ReleaseRollbackSeconds')).toHaveLength(1);
    expect(time).toMatchObject({ value: requestToLastWaveBack(view), dimensions: { mode: 'reverse-waves' } });
    expect(time!.value).toBeGreaterThanOrEqual(5 * 60);
  });

  it('counts a release rollback that could not take a target back as completed with outcome failed, and records no time', async () => {
    const metrics = new RecordedMetrics();
    const id = await succeededRelease(metrics);
    const e = engine!;
    // Someone moved c1's alias by hand since the release: the rollback must leave it (and fail).
    const c1 = aliasRef(smallPipeline().waves[2]!.targets[0]!);
    const v3 = await e.fleet.publishVersion(c1, {
      code: { s3Bucket: 'b', s3Key: 'v3.zip' },
      description: 'v3',
    });
    const { revisionId } = await e.fleet.getAlias(c1);
    await e.fleet.updateAlias(c1, { functionVersion: v3.version, additional: null, revisionId });

    await e.io(() => rollBackReleaseByHand(apiDeps(e), id, { by: 'dave', reason: 'burn' }));
    await e.drive(e.startReleaseRollback(id).done);
    const view = (await e.io(() => e.store.getDeploymentView(id)))!;

    expect(view.deployment.status).toBe('failed');
    expect(metrics.named('ReleaseRollbacksStarted')).toHaveLength(1);
    expect(metrics.named('ReleaseRollbacksCompleted').map((p) => p.dimensions)).toEqual([
      { pipeline: 'orders', mode: 'fast', outcome: 'failed' },
    ]);
    expect(metrics.named('ReleaseRollbackSeconds')).toEqual([]);
  });

  it('counts each fact once when the step is retried after committing it', async () => {
    const metrics = new RecordedMetrics();
    const id = await succeededRelease(metrics);
    const e = engine!;
    await e.io(() => rollBackReleaseByHand(apiDeps(e, noExecution), id, { by: 'alice', reason: 'burn' }));
    // The first invocation fails just after recording the start (reading the deployment back).
    let started = false;
    let failed = false;
    const store = new Proxy(e.store, {
      get(target, name: string) {
        const value = Reflect.get(target, name) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (name === 'getDeploymentView' && started && !failed) {
            failed = true;
            throw new TransientError('DynamoDB timed out');
          }
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (name === 'appendEvent' && (args[0] as { key: string }).key === 'release-rollback-started') {
            started = true;
          }
          return result;
        };
      },
    }) as DeploymentStore;
    const deps: StepDeps = {
      store,
      router: e.fleet,
      alarms: e.fleet,
      metrics: e.fleet,
      clock: e.time.clock,
      log: silentLog,
      deploymentMetrics: metrics,
    };
    const step = () => e.io(() => rollBackRelease(deps, { deploymentId: id }).catch((error: Error) => error));

    // Retried on TransientError, as the ReleaseRollback ASL does.
    const first = await step();
    const second = await step();
    // The second invocation's answer is lost (a Lambda timeout after it returned): retried again.
    const third = await step();

    expect(first).toBeInstanceOf(TransientError);
    expect(second).toEqual({ done: true, status: 'rolled_back' });
    expect(third).toEqual({ done: true, status: 'rolled_back' });
    const view = (await e.io(() => e.store.getDeploymentView(id)))!;
    expect(view.deployment.status).toBe('rolled_back');
    expect(metrics.named('ReleaseRollbacksStarted')).toHaveLength(1);
    expect(metrics.named('ReleaseRollbacksCompleted')).toHaveLength(1);
    expect(metrics.named('ReleaseRollbackSeconds')).toEqual([
      expect.objectContaining({
        value: requestToLastWaveBack(view),
        dimensions: { pipeline: 'orders', mode: 'fast' },
      }),
    ]);
  });
});
