import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/core/errors.js';
import { type ResolvedPipeline, resolvePipeline } from '../../../src/core/pipeline.js';
import type { RolloutStep } from '../../../src/core/rollout.js';
import { FleetSimulator } from '../../../src/local/fleet/index.js';
import { parseScenario } from '../../../src/local/scenario.js';
import type { AliasState, TrafficRouter } from '../../../src/ports/fleet.js';
import { silentLog } from '../../../src/ports/log.js';
import type {
  DeploymentRecord,
  DeploymentStore,
  TargetRecord,
  WatchRecord,
} from '../../../src/ports/store.js';
import { handleAlarmAlert } from '../../../src/workflow/alarm-watch.js';
import type { StepDeps } from '../../../src/workflow/deps.js';
import { aliasRef } from '../../../src/workflow/routing.js';
import { applyStep } from '../../../src/workflow/shift-weight.js';
import { target } from '../../support/fixtures.js';

/*
 * The fence between the alarm watcher's rollback and the steps that raise a weight, checked over
 * the orders fast-check's scheduler picks for their port calls (each call of the store and the
 * alias router waits for the scheduler to let it start): in no order does a step move traffic
 * once the rollback has written the alias, and every order ends with all traffic on the previous
 * version. Between the mark and that write, a step that checked the deployment just before the
 * mark may still land its write; the rollback then takes it down in the same invocation.
 */

const START = Date.parse('2026-11-23T09:00:00Z');
const T = target('use1');

function pipelineOf(): ResolvedPipeline {
  return resolvePipeline({
    name: 'orders',
    defaults: { alarms: { rollback: ['errors-{target.region}'], oneBox: [] } },
    waves: [{ name: 'one', targets: [T] }],
  });
}

/** The few store operations the two actors use, with DynamoDB's conditional-write semantics. */
function memoryStore(pipeline: ResolvedPipeline, deployment: DeploymentRecord, progress: TargetRecord) {
  let current = deployment;
  let targetRecord = progress;
  const locks = new Map<string, string>();
  const watches: WatchRecord[] = [
    {
      account: T.account,
      region: T.region,
      alarmName: 'errors-us-east-1',
      deploymentId: deployment.id,
      waveIndex: 0,
      targets: [T.id],
      since: deployment.createdAt,
    },
  ];
  const store: Partial<DeploymentStore> = {
    getPipeline: async () => ({ name: pipeline.name, version: 1, definition: pipeline, registeredAt: '' }),
    getDeployment: async () => current,
    updateDeployment: async (_id, patch, options) => {
      if (options?.onlyIfStatusIn && !options.onlyIfStatusIn.includes(current.status))
        throw new ConflictError(`deployment is ${current.status}`, current);
      current = { ...current, ...patch } as DeploymentRecord;
      return current;
    },
    getTargets: async () => [targetRecord],
    updateTarget: async (_d, _w, _t, patch) => {
      targetRecord = { ...targetRecord, ...patch } as TargetRecord;
    },
    appendEvent: async () => {},
    acquireLock: async (key, holder) => {
      const held = locks.get(key);
      if (held && held !== holder) return { acquired: false, holder: held };
      locks.set(key, holder);
      return { acquired: true };
    },
    listWatches: async () => watches,
  };
  return {
    store: new Proxy(store as DeploymentStore, {
      get(target, name: string) {
        const value = (target as unknown as Record<string, unknown>)[name];
        if (value === undefined) throw new Error(`the fence test's store has no ${name}`);
        return value;
      },
    }),
    deployment: () => current,
  };
}

const routingOf = (a: AliasState) => `v${a.functionVersion}${a.additional ? `+${a.additional.weight}` : ''}`;

describe('the fence between the alarm watcher and the steps that raise weights', () => {
  it('never lets a step move traffic once the rollback has written the alias, in any interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.constantFrom<[string, number, RolloutStep]>(
          // From nothing to the one-box, and from the one-box to the first rolling weight.
          ['prepared', 0, { index: 0, kind: 'one-box', weight: 10, bakeSeconds: 600, minDataPoints: 0 }],
          ['one_box', 10, { index: 1, kind: 'rolling', weight: 50, bakeSeconds: 120, minDataPoints: 0 }],
        ),
        async (s, [status, weight, step]) => {
          // Prepare: the target serves v1 (plus the one-box share of v2 when it is past it).
          const clock = { nowMs: () => START };
          const fleet = new FleetSimulator({
            clock,
            scenario: parseScenario({ start: '2026-11-23T09:00:00Z' }),
            targets: [{ ...T, waveName: 'one' }],
          });
          await fleet.publishVersion(aliasRef(T), {
            code: { s3Bucket: 'b', s3Key: 'v2' },
            description: 'v2',
          });
          if (weight > 0) {
            const before = await fleet.getAlias(aliasRef(T));
            await fleet.updateAlias(aliasRef(T), {
              functionVersion: '1',
              additional: { version: '2', weight: weight / 100 },
              revisionId: before.revisionId,
            });
          }
          const pipeline = pipelineOf();
          const { store, deployment } = memoryStore(
            pipeline,
            {
              id: 'd1',
              pipelineName: 'orders',
              pipelineVersion: 1,
              change: { id: 'c1', version: '2' },
              status: 'running',
              createdAt: '2026-11-23T08:00:00.000Z',
              updatedAt: '2026-11-23T08:00:00.000Z',
            },
            {
              deploymentId: 'd1',
              waveIndex: 0,
              targetId: T.id,
              status: status as TargetRecord['status'],
              previousVersion: '1',
              newVersion: '2',
              weight,
              ...(weight > 0 ? { stepIndex: 0 } : {}),
              updatedAt: '2026-11-23T08:00:00.000Z',
            },
          );
          // Every port call waits for the scheduler to let it start, so the scheduler decides the
          // order in which the calls take effect; the log says what took effect when.
          const log: string[] = [];
          const scheduled =
            <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
            async (...args: A): Promise<R> => {
              await s.schedule(Promise.resolve(), name);
              const out = await fn(...args);
              if (name === 'updateDeployment' && deployment().status === 'rolling_back') log.push('marked');
              if (name === 'updateAlias') {
                const fence = (args[1] as { description?: string }).description !== undefined;
                log.push(`${fence ? 'fence' : 'step'} ${routingOf(out as AliasState)}`);
              }
              return out;
            };
          const router: TrafficRouter = {
            getAlias: scheduled('getAlias', (ref) => fleet.getAlias(ref)),
            updateAlias: scheduled('updateAlias', (ref, update) => fleet.updateAlias(ref, update)),
            assertVersionExists: (ref, v) => fleet.assertVersionExists(ref, v),
            publishVersion: (ref, r) => fleet.publishVersion(ref, r),
          };
          const scheduledStore = new Proxy(store, {
            get(target, name: string) {
              const value = (target as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
                name
              ];
              return typeof value === 'function' ? scheduled(name, value.bind(target)) : value;
            },
          });
          const deps: StepDeps = {
            store: scheduledStore,
            router,
            alarms: fleet,
            metrics: fleet,
            clock,
            log: silentLog,
          };

          // Act: the step and the watcher run at once, in the scheduler's order, then retries.
          const shift = applyStep(deps, { deploymentId: 'd1', waveIndex: 0, targetIndex: 0, step });
          const watcher = handleAlarmAlert(deps, {
            alarmName: 'errors-us-east-1',
            account: T.account,
            region: T.region,
            reason: 'Threshold Crossed',
            enteredAtMs: START,
            eventId: 'e1',
          });
          const [shifted, watched] = await s.waitFor(Promise.allSettled([shift, watcher]));
          // Step Functions retries a step that lost the alias race; the watcher is retried by EventBridge.
          if (shifted.status === 'rejected' && shifted.reason?.name === 'AliasConflictError') {
            await s
              .waitFor(applyStep(deps, { deploymentId: 'd1', waveIndex: 0, targetIndex: 0, step }))
              .catch(() => {});
          }
          if (watched.status === 'rejected') throw watched.reason;

          // Assess: all traffic back on v1; no step moved traffic once the rollback wrote the alias;
          // after the mark, only the one step that had already checked the deployment may land.
          expect(fleet.routing(T.id)).toMatchObject({ primaryVersion: '1', additionalVersion: null });
          const marked = log.indexOf('marked');
          const fenced = log.findIndex((e) => e.startsWith('fence '));
          expect(marked).toBeGreaterThanOrEqual(0);
          expect(fenced).toBeGreaterThan(marked);
          expect(log.slice(fenced + 1).filter((e) => e.startsWith('step '))).toEqual([]);
          expect(log.slice(marked + 1).filter((e) => e.startsWith('step ')).length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
