import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/core/errors.js';
import { type ResolvedPipeline, resolvePipeline } from '../../../src/core/pipeline.js';
import { aliasKey } from '../../../src/core/targets.js';
import { FleetSimulator } from '../../../src/local/fleet/index.js';
import { parseScenario } from '../../../src/local/scenario.js';
import type { TrafficRouter } from '../../../src/ports/fleet.js';
import { silentLog } from '../../../src/ports/log.js';
import type {
  AliasOwner,
  DeploymentRecord,
  DeploymentStore,
  TargetRecord,
  TimelineEvent,
} from '../../../src/ports/store.js';
import type { StepDeps } from '../../../src/workflow/deps.js';
import { rollBack } from '../../../src/workflow/roll-back.js';
import { aliasRef } from '../../../src/workflow/routing.js';
import { target } from '../../support/fixtures.js';

/*
 * Pipelining hands t1 from change A (v2, its wave one done there) to the newer change B (v3). Both
 * roll back at once — A because its wave two failed, B on its own — in every order fast-check's
 * scheduler picks for their store and alias calls, with the Step Functions retry of a step that
 * answered TransientError. However they interleave, t1 ends on v1 at 100 % (neither withdrawn
 * version serves), t2 on v1, and both end rolled back, not failed.
 */

const START = Date.parse('2026-11-23T09:00:00Z');
const T1 = target('t1');
const T2 = target('t2', 'eu-west-1');
const AT = '2026-11-23T08:00:00.000Z';

function pipelineOf(): ResolvedPipeline {
  return resolvePipeline({
    name: 'orders',
    defaults: { alarms: { rollback: ['errors-{target.region}'], oneBox: [] } },
    waves: [
      { name: 'one', targets: [T1] },
      { name: 'two', targets: [T2] },
    ],
  });
}

const deployment = (id: string, version: string): DeploymentRecord => ({
  id,
  pipelineName: 'orders',
  pipelineVersion: 1,
  change: { id, version },
  status: 'running',
  createdAt: AT,
  updatedAt: AT,
});

/** The store operations the two rollbacks use, with DynamoDB's conditional-write semantics. */
function memoryStore(pipeline: ResolvedPipeline, targets: TargetRecord[], locks: Map<string, string>) {
  const deployments = new Map([
    ['A', deployment('A', '2')],
    ['B', deployment('B', '3')],
  ]);
  const records = new Map(targets.map((r) => [`${r.deploymentId}#${r.waveIndex}#${r.targetId}`, r]));
  const events: TimelineEvent[] = [];
  const owners = new Map<string, AliasOwner>();
  const store: Partial<DeploymentStore> = {
    getPipeline: async () => ({ name: pipeline.name, version: 1, definition: pipeline, registeredAt: '' }),
    getDeployment: async (id) => deployments.get(id),
    updateDeployment: async (id, patch, options) => {
      const current = deployments.get(id)!;
      if (options?.onlyIfStatusIn && !options.onlyIfStatusIn.includes(current.status))
        throw new ConflictError(`deployment is ${current.status}`, current);
      const next = { ...current, ...patch } as DeploymentRecord;
      deployments.set(id, next);
      return next;
    },
    getTargets: async (id, wave) =>
      [...records.values()].filter(
        (r) => r.deploymentId === id && (wave === undefined || r.waveIndex === wave),
      ),
    updateTarget: async (id, wave, targetId, patch) => {
      const key = `${id}#${wave}#${targetId}`;
      records.set(key, { ...records.get(key)!, ...patch } as TargetRecord);
    },
    updateWave: async () => {},
    removeWatches: async () => {},
    appendEvent: async (event) => {
      if (!events.some((e) => e.deploymentId === event.deploymentId && e.key === event.key))
        events.push(event);
    },
    getDeploymentView: async (id) => ({
      deployment: deployments.get(id)!,
      waves: [],
      targets: [...records.values()].filter((r) => r.deploymentId === id),
      events: events.filter((e) => e.deploymentId === id),
      overrides: [],
    }),
    acquireLock: async (key, holder) => {
      const held = locks.get(key);
      if (held && held !== holder) return { acquired: false, holder: held };
      locks.set(key, holder);
      return { acquired: true };
    },
    releaseLock: async (key, holder) => {
      if (locks.get(key) === holder) locks.delete(key);
    },
    getAliasOwner: async (key) => owners.get(key),
    putAliasOwner: async (record) => {
      owners.set(record.aliasKey, record);
    },
  };
  return { store: store as DeploymentStore, deployments, events, owners };
}

type Stage = 'b-one-box' | 'b-at-100' | 'b-done';

describe('two pipelined changes rolling back at once', () => {
  it('end with every target on the version before both, in any interleaving', async () => {
    let waited = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.constantFrom<Stage>('b-one-box', 'b-at-100', 'b-done'),
        async (s, stage) => {
          // Arrange: A put v2 on t1 (wave one done) and is in its one-box on t2; B took t1 from A.
          const clock = { nowMs: () => START };
          const fleet = new FleetSimulator({
            clock,
            scenario: parseScenario({ start: '2026-11-23T09:00:00Z' }),
            targets: [
              { ...T1, waveName: 'one' },
              { ...T2, waveName: 'two' },
            ],
          });
          for (const t of [T1, T2]) {
            for (const v of ['v2', 'v3'])
              await fleet.publishVersion(aliasRef(t), { code: { s3Bucket: 'b', s3Key: v }, description: v });
          }
          const set = async (t: typeof T1, primary: string, extra?: { version: string; weight: number }) => {
            const before = await fleet.getAlias(aliasRef(t));
            await fleet.updateAlias(aliasRef(t), {
              functionVersion: primary,
              additional: extra ?? null,
              revisionId: before.revisionId,
            });
          };
          await set(T2, '1', { version: '2', weight: 0.1 });
          if (stage === 'b-one-box') await set(T1, '2', { version: '3', weight: 0.1 });
          else await set(T1, '3');
          const bWeight = stage === 'b-one-box' ? 10 : 100;
          const locks = new Map([[aliasKey(T2), 'A']]);
          if (stage !== 'b-done') locks.set(aliasKey(T1), 'B');
          const record = (
            id: string,
            waveIndex: number,
            t: typeof T1,
            previousVersion: string,
            newVersion: string,
            weight: number,
            extra: Partial<TargetRecord> = {},
          ): TargetRecord => ({
            deploymentId: id,
            waveIndex,
            targetId: t.id,
            status: weight === 100 ? 'deployed' : 'one_box',
            previousVersion,
            newVersion,
            weight,
            updatedAt: AT,
            ...extra,
          });
          const pipeline = pipelineOf();
          const { store, deployments, events, owners } = memoryStore(
            pipeline,
            [
              record('A', 0, T1, '1', '2', 100),
              record('A', 1, T2, '1', '2', 10),
              record('B', 0, T1, '2', '3', bWeight, {
                previousOwner: { deploymentId: 'A', waveIndex: 0, targetId: 't1' },
              }),
            ],
            locks,
          );
          owners.set(aliasKey(T1), {
            aliasKey: aliasKey(T1),
            deploymentId: 'B',
            waveIndex: 0,
            targetId: 't1',
            version: '3',
            previousOwner: { deploymentId: 'A', waveIndex: 0, targetId: 't1' },
            at: AT,
          });
          owners.set(aliasKey(T2), {
            aliasKey: aliasKey(T2),
            deploymentId: 'A',
            waveIndex: 1,
            targetId: 't2',
            version: '2',
            at: AT,
          });

          const scheduled =
            <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
            async (...args: A): Promise<R> => {
              await s.schedule(Promise.resolve(), name);
              return fn(...args);
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
              if (typeof value !== 'function') throw new Error(`the handoff test's store has no ${name}`);
              return scheduled(name, value.bind(target));
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
          // Step Functions retries the RollBack step that answered a retryable error.
          const withRetries = async (id: string) => {
            for (let attempt = 0; ; attempt++) {
              try {
                return await rollBack(deps, { deploymentId: id, scope: 'deployment' });
              } catch (error) {
                if ((error as Error).name !== 'TransientError' || attempt >= 10) throw error;
                waited++;
              }
            }
          };

          // Act
          const results = await s.waitFor(Promise.allSettled([withRetries('A'), withRetries('B')]));

          // Assess
          expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
          expect(fleet.routing('t1')).toMatchObject({ primaryVersion: '1', additionalVersion: null });
          expect(fleet.routing('t2')).toMatchObject({ primaryVersion: '1', additionalVersion: null });
          expect([deployments.get('A')!.status, deployments.get('B')!.status]).toEqual([
            'rolled_back',
            'rolled_back',
          ]);
          expect(events.some((e) => e.type === 'rollback-skipped')).toBe(false);
          expect(locks.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
    // Some orders made A meet B mid-rollback and wait for it (the 'busy' path was explored).
    expect(waited).toBeGreaterThan(0);
  });
});
