import { describe, expect, it } from 'vitest';
import { ConflictError, HookFailedError, ThrottledError } from '../../../src/core/errors.js';
import { resolvePipeline } from '../../../src/core/pipeline.js';
import type { HookAnswer, HookInvoker, HookRequest } from '../../../src/ports/hooks.js';
import { silentLog } from '../../../src/ports/log.js';
import type {
  DeploymentRecord,
  DeploymentStore,
  TargetRecord,
  WaveRecord,
} from '../../../src/ports/store.js';
import type { StepDeps } from '../../../src/workflow/deps.js';
import { runHooks } from '../../../src/workflow/hooks.js';
import { target } from '../../support/fixtures.js';

/*
 * The hook step's own rules, over a store with DynamoDB's single-item semantics: every hook of a
 * batch at once, each answer kept as it arrives, and an answer recorded before a retry is final.
 */

const TARGETS = Array.from({ length: 12 }, (_, i) => target(`t${i}`));
const pipeline = resolvePipeline({
  name: 'orders',
  defaults: { concurrency: 12 },
  waves: [
    { name: 'one', targets: TARGETS, hooks: [{ name: 'smoke', function: 'smoke-fn', at: 'beforeTraffic' }] },
  ],
});
const AT = '2026-11-23T09:00:00.000Z';

function world(answer: (request: HookRequest) => Promise<HookAnswer>) {
  let deployment: DeploymentRecord = {
    id: 'd1',
    pipelineName: 'orders',
    pipelineVersion: 1,
    change: { id: 'c1', version: '2' },
    status: 'running',
    createdAt: AT,
    updatedAt: AT,
  };
  const targets = new Map<string, TargetRecord>(
    TARGETS.map((t) => [
      t.id,
      {
        deploymentId: 'd1',
        waveIndex: 0,
        targetId: t.id,
        status: 'prepared',
        previousVersion: '1',
        newVersion: '2',
        weight: 0,
        updatedAt: AT,
      },
    ]),
  );
  let wave: WaveRecord | undefined;
  const store: Partial<DeploymentStore> = {
    getPipeline: async () => ({ name: 'orders', version: 1, definition: pipeline, registeredAt: AT }),
    getDeployment: async () => deployment,
    updateDeployment: async (_id, patch, options) => {
      if (options?.onlyIfStatusIn && !options.onlyIfStatusIn.includes(deployment.status))
        throw new ConflictError('not running', deployment);
      deployment = { ...deployment, ...patch } as DeploymentRecord;
      return deployment;
    },
    getTargets: async () => [...targets.values()],
    updateTarget: async (_d, _w, id, patch) => {
      targets.set(id, { ...targets.get(id)!, ...patch } as TargetRecord);
    },
    getWave: async () => wave,
    updateWave: async (_d, _w, patch) => {
      wave = {
        ...(wave ?? { deploymentId: 'd1', index: 0, name: 'one', status: 'deploying' }),
        ...patch,
      } as WaveRecord;
    },
    appendEvent: async () => {},
  };
  let inFlight = 0;
  let peak = 0;
  const calls: string[] = [];
  const hooks: HookInvoker = {
    invoke: async (_fn, request) => {
      calls.push(request.target!.id);
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        return await answer(request);
      } finally {
        inFlight--;
      }
    },
  };
  const deps: StepDeps = {
    store: store as DeploymentStore,
    router: {} as never,
    alarms: {} as never,
    metrics: {} as never,
    clock: { nowMs: () => Date.parse(AT) },
    log: silentLog,
    hooks,
  };
  const input = {
    deploymentId: 'd1',
    waveIndex: 0,
    at: 'beforeTraffic' as const,
    targets: TARGETS.map((_, i) => i),
  };
  /** As if the step had stopped before its rollback was recorded (a crash right after the answers). */
  const forgetRollback = () => {
    const { rollback: _r, ...rest } = deployment;
    deployment = { ...rest, status: 'running' };
  };
  return { deps, input, calls, peak: () => peak, targets, forgetRollback };
}

describe('the hook step', () => {
  it('invokes every hook of the batch at once, so the step lasts as long as the slowest hook', async () => {
    // Arrange
    const w = world(async () => ({ status: 'succeeded' }));

    // Act
    const out = await runHooks(w.deps, w.input);

    // Assess
    expect(out).toEqual({ ran: 12, skipped: 0 });
    expect(w.peak()).toBe(12);
  });

  it('keeps the answers that arrived when another invocation throws, and invokes only the rest on retry', async () => {
    // Arrange: t3 is throttled once
    let throttled = false;
    const w = world(async (r) => {
      if (r.target?.id === 't3' && !throttled) {
        throttled = true;
        throw new ThrottledError('Rate exceeded');
      }
      return { status: 'succeeded' };
    });

    // Act
    await expect(runHooks(w.deps, w.input)).rejects.toBeInstanceOf(ThrottledError);
    const calledBefore = w.calls.length;
    const retried = await runHooks(w.deps, w.input);

    // Assess
    expect(calledBefore).toBe(12);
    expect(w.calls.slice(calledBefore)).toEqual(['t3']);
    expect(retried).toEqual({ ran: 1, skipped: 11 });
  });

  it('treats a failed answer recorded before a retry as final: the hook is not invoked again', async () => {
    // Arrange: t5 fails the first time, and would pass a second time
    let asked = 0;
    const w = world(async (r) => {
      if (r.target?.id !== 't5') return { status: 'succeeded' };
      asked++;
      return asked === 1 ? { status: 'failed', reason: 'smoke test 3/5 failed' } : { status: 'succeeded' };
    });
    await expect(runHooks(w.deps, w.input)).rejects.toBeInstanceOf(HookFailedError);
    w.forgetRollback();

    // Act
    const act = runHooks(w.deps, w.input);

    // Assess
    await expect(act).rejects.toThrow(/hook smoke \(beforeTraffic on t5\) failed: smoke test 3\/5 failed/);
    expect(asked).toBe(1);
    expect(w.targets.get('t5')?.hooks?.['beforeTraffic:smoke']).toMatchObject({ status: 'failed' });
  });
});
