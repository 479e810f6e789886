import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDeploymentStore } from '../../src/adapters/aws/dynamodb-store.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/core/errors.js';
import { type ResolvedPipeline, resolvePipeline } from '../../src/core/pipeline.js';
import { type LocalDynamo, startLocalDynamo } from '../../src/local/dynamo.js';
import type { Clock } from '../../src/ports/clock.js';
import type { DeploymentRecord, TargetRecord, WaveRecord } from '../../src/ports/store.js';

/** A clock the test moves by hand. */
function manualClock(startIso = '2026-03-02T10:00:00.000Z'): Clock & { advance(ms: number): void } {
  let now = Date.parse(startIso);
  return {
    nowMs: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

function pipeline(name: string, description?: string): ResolvedPipeline {
  return resolvePipeline({
    name,
    ...(description !== undefined ? { description } : {}),
    waves: [
      {
        name: 'wave-1',
        targets: [
          {
            id: 'use1',
            account: '123456789012',
            region: 'us-east-1',
            functionName: 'payments',
            alias: 'live',
          },
        ],
      },
    ],
  });
}

function deployment(id: string, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id,
    pipelineName: 'payments',
    pipelineVersion: 1,
    change: { id: 'abc123', version: '7' },
    status: 'running',
    createdAt: '2026-03-02T10:00:00.000Z',
    updatedAt: '2026-03-02T10:00:00.000Z',
    ...overrides,
  };
}

let local: LocalDynamo;
let clock: ReturnType<typeof manualClock>;
let store: DynamoDeploymentStore;
let unique = 0;
/** A name no other test uses: the suite shares one table. */
const fresh = (prefix: string) => `${prefix}-${++unique}`;

beforeAll(async () => {
  local = await startLocalDynamo();
  clock = manualClock();
  store = new DynamoDeploymentStore({ client: local.documentClient, tableName: local.tableName, clock });
});

afterAll(async () => {
  await local?.close();
});

describe('DynamoDeploymentStore pipelines', () => {
  it('numbers registrations 1, 2, 3 and returns the latest when no version is asked for', async () => {
    const name = fresh('pipe');
    const first = await store.putPipeline(pipeline(name, 'first'), 'alice');
    clock.advance(1000);
    const second = await store.putPipeline(pipeline(name, 'second'));
    const third = await store.putPipeline(pipeline(name, 'third'));

    expect([first.version, second.version, third.version]).toEqual([1, 2, 3]);
    expect(first.registeredBy).toBe('alice');
    expect(first.registeredAt).toBe('2026-03-02T10:00:00.000Z');
    expect(second.registeredAt).toBe('2026-03-02T10:00:01.000Z');
    expect((await store.getPipeline(name))?.definition.description).toBe('third');
    expect(await store.getPipeline(name, 1)).toEqual(first);
    expect(await store.getPipeline(name, 4)).toBeUndefined();
    expect(await store.getPipeline(fresh('unknown'))).toBeUndefined();
  });

  it('gives concurrent registrations of the same pipeline distinct versions', async () => {
    const name = fresh('race');

    const records = await Promise.all(
      Array.from({ length: 6 }, (_, i) => store.putPipeline(pipeline(name, `writer ${i}`))),
    );

    expect(records.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await store.getPipeline(name))?.version).toBe(6);
    const listed = (await store.listPipelines()).find((p) => p.name === name);
    expect(listed?.version).toBe(6);
  });

  it('lists each pipeline once, at its latest version', async () => {
    const a = fresh('list-a');
    const b = fresh('list-b');
    await store.putPipeline(pipeline(a));
    await store.putPipeline(pipeline(a, 'v2'));
    await store.putPipeline(pipeline(b));

    const listed = (await store.listPipelines()).filter((p) => p.name === a || p.name === b);

    expect(listed.map((p) => [p.name, p.version])).toEqual([
      [a, 2],
      [b, 1],
    ]);
    expect(listed[0]?.definition.description).toBe('v2');
  });
});

describe('DynamoDeploymentStore deployments', () => {
  it('refuses to create a deployment twice and carries the existing record', async () => {
    const id = fresh('dep');
    const original = deployment(id, { requestedBy: 'alice' });
    await store.createDeployment(original);

    const second = store.createDeployment(deployment(id, { requestedBy: 'mallory' }));

    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toMatchObject({ existing: original });
    expect(await store.getDeployment(id)).toEqual(original);
  });

  it('applies a patch, stamps updatedAt from the clock and returns the updated record', async () => {
    const id = fresh('dep');
    await store.createDeployment(deployment(id));
    clock.advance(60_000);

    const updated = await store.updateDeployment(id, {
      status: 'rolling_back',
      currentWave: 0,
      rollback: { reason: 'alarm', alarm: 'errors', detectedAt: '2026-03-02T10:05:00.000Z' },
    });

    expect(updated).toMatchObject({
      id,
      status: 'rolling_back',
      currentWave: 0,
      rollback: { reason: 'alarm', alarm: 'errors' },
      updatedAt: new Date(clock.nowMs()).toISOString(),
    });
    expect(await store.getDeployment(id)).toEqual(updated);
  });

  it('refuses an update guarded by onlyIfStatusIn once the deployment has finished', async () => {
    const id = fresh('dep');
    await store.createDeployment(deployment(id));
    await store.updateDeployment(id, { status: 'succeeded' }, { onlyIfStatusIn: ['running'] });

    const cancel = store.updateDeployment(
      id,
      { cancelRequest: { by: 'bob', reason: 'oops', at: '2026-03-02T11:00:00.000Z' } },
      { onlyIfStatusIn: ['running', 'rolling_back'] },
    );

    await expect(cancel).rejects.toBeInstanceOf(ConflictError);
    await expect(cancel).rejects.toMatchObject({ existing: { id, status: 'succeeded' } });
    expect((await store.getDeployment(id))?.cancelRequest).toBeUndefined();
  });

  it('lets only one of two simultaneous expedite approvals win', async () => {
    const id = fresh('dep');
    await store.createDeployment({
      ...deployment(id),
      expedite: { requestedBy: 'bob', reason: 'fix', requestedAt: '2026-03-02T10:00:00.000Z' },
    });
    const approve = (by: string) =>
      store.updateDeployment(
        id,
        {
          expedite: {
            requestedBy: 'bob',
            reason: 'fix',
            requestedAt: '2026-03-02T10:00:00.000Z',
            approvedBy: by,
          },
        },
        { onlyIfStatusIn: ['running'], onlyIfExpediteUnapproved: true },
      );

    const results = await Promise.allSettled([approve('carol'), approve('dave')]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost?.reason).toBeInstanceOf(ConflictError);
    const winner = (
      results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{
        expedite?: { approvedBy?: string };
      }>
    ).value;
    expect((await store.getDeployment(id))?.expedite?.approvedBy).toBe(winner.expedite?.approvedBy);
  });

  it('reports a missing deployment, wave or target as NotFoundError on update', async () => {
    const id = fresh('missing');

    await expect(store.updateDeployment(id, { status: 'failed' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.updateWave(id, 0, { status: 'baking' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.updateTarget(id, 0, 't', { weight: 10 })).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.getDeployment(id)).toBeUndefined();
    expect(await store.getDeploymentView(id)).toBeUndefined();
  });

  it('refuses a patch that would move a deployment to another pipeline', async () => {
    const id = fresh('dep');
    await store.createDeployment(deployment(id));

    await expect(store.updateDeployment(id, { pipelineName: 'other' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('lists a pipeline’s deployments newest first, one page at a time', async () => {
    const pipelineName = fresh('listed');
    const ids = Array.from({ length: 5 }, (_, i) => `${pipelineName}-d${i}`);
    for (const [i, id] of ids.entries()) {
      await store.createDeployment(
        deployment(id, { pipelineName, createdAt: `2026-03-0${i + 1}T00:00:00.000Z` }),
      );
    }
    await store.createDeployment(deployment(fresh('elsewhere'), { pipelineName: fresh('other-pipeline') }));

    const first = await store.listDeployments(pipelineName, { limit: 2 });
    const second = await store.listDeployments(pipelineName, { limit: 2, cursor: first.nextCursor });
    const third = await store.listDeployments(pipelineName, { limit: 2, cursor: second.nextCursor });
    const seen = [...first.items, ...second.items, ...third.items].map((d) => d.id);

    expect(seen).toEqual([...ids].reverse());
    expect(first.nextCursor).toBeDefined();
    expect(third.items).toHaveLength(1);
    expect(third.nextCursor).toBeUndefined();
  });

  it('rejects a cursor that no earlier page of this pipeline returned', async () => {
    const pipelineName = fresh('cursor');
    for (let i = 0; i < 3; i++) await store.createDeployment(deployment(fresh('d'), { pipelineName }));
    const page = await store.listDeployments(pipelineName, { limit: 1 });

    await expect(store.listDeployments(pipelineName, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(store.listDeployments(fresh('another'), { cursor: page.nextCursor })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(store.listDeployments(pipelineName, { limit: 0 })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('DynamoDeploymentStore deployments of a period', () => {
  it('lists the deployments created from `from` up to, not including, `to`, oldest first, across pages', async () => {
    const pipelineName = fresh('period');
    const at = (h: number) => `2026-11-02T${String(h).padStart(2, '0')}:00:00.000Z`;
    for (let h = 0; h < 6; h++) {
      await store.createDeployment(deployment(`${pipelineName}-${h}`, { pipelineName, createdAt: at(h) }));
    }
    const listed = await store.listDeploymentsCreatedBetween(pipelineName, at(1), at(4));

    expect(listed.map((d) => d.createdAt)).toEqual([at(1), at(2), at(3)]);
  });

  it('finds the oldest succeeded deployment created at or after an instant, skipping the others', async () => {
    const pipelineName = fresh('next-good');
    const at = (h: number) => `2026-11-02T${String(h).padStart(2, '0')}:00:00.000Z`;
    const statuses = ['succeeded', 'rolled_back', 'running', 'succeeded', 'succeeded'] as const;
    for (const [h, status] of statuses.entries()) {
      await store.createDeployment(
        deployment(`${pipelineName}-${h}`, { pipelineName, createdAt: at(h), status }),
      );
    }

    expect((await store.firstSucceededDeploymentFrom(pipelineName, at(1)))?.id).toBe(`${pipelineName}-3`);
    expect(await store.firstSucceededDeploymentFrom(pipelineName, at(5))).toBeUndefined();
  });

  it('adds a hold segment once when two writers end it from the same read', async () => {
    const id = fresh('held');
    await store.createDeployment(
      deployment(id, { hold: { since: 'x', kinds: ['window'], kindsSince: '2026-11-02T10:00:00.000Z' } }),
    );
    const end = { hold: {}, heldSeconds: { window: 60 } };

    await store.updateDeployment(id, end, { onlyIfHoldSegment: '2026-11-02T10:00:00.000Z' });
    const second = store.updateDeployment(
      id,
      { hold: {}, heldSeconds: { window: 120 } },
      { onlyIfHoldSegment: '2026-11-02T10:00:00.000Z' },
    );

    await expect(second).rejects.toBeInstanceOf(ConflictError);
    expect((await store.getDeployment(id))?.heldSeconds).toEqual({ window: 60 });
    // A new segment may only open while none is.
    await store.updateDeployment(id, { hold: { kindsSince: 'y' } }, { onlyIfHoldSegment: null });
    await expect(
      store.updateDeployment(id, { hold: { kindsSince: 'z' } }, { onlyIfHoldSegment: null }),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('DynamoDeploymentStore waves, targets and events', () => {
  it('returns the deployment with its waves, targets and events in order in one view', async () => {
    const id = fresh('view');
    await store.createDeployment(deployment(id));
    const waves: WaveRecord[] = [1, 0].map((index) => ({
      deploymentId: id,
      index,
      name: `wave-${index}`,
      status: 'pending',
    }));
    for (const wave of waves) await store.putWave(wave);
    const target = (waveIndex: number, targetId: string): TargetRecord => ({
      deploymentId: id,
      waveIndex,
      targetId,
      status: 'pending',
      weight: 0,
      updatedAt: '2026-03-02T10:00:00.000Z',
    });
    await store.putTarget(target(1, 'euw1'));
    await store.putTarget(target(0, 'use1'));
    await store.putTarget(target(0, 'apse2'));
    await store.updateWave(id, 0, { status: 'baking', startedAt: '2026-03-02T10:01:00.000Z' });
    await store.updateTarget(id, 0, 'use1', { status: 'one_box', weight: 10, newVersion: '7' });
    // Written out of time order, with keys that sort differently from time.
    await store.appendEvent({
      deploymentId: id,
      at: '2026-03-02T10:02:00.000Z',
      key: 'a',
      type: 'one-box',
      message: 'one-box at 10%',
      wave: 0,
      target: 'use1',
    });
    await store.appendEvent({
      deploymentId: id,
      at: '2026-03-02T10:00:00.000Z',
      key: 'z',
      type: 'started',
      message: 'started',
    });
    await store.appendEvent({
      deploymentId: id,
      at: '2026-03-02T10:01:00.000Z',
      key: 'm',
      type: 'wave-started',
      message: 'wave 0',
      data: { n: 1 },
    });

    const view = await store.getDeploymentView(id);

    expect(view?.deployment).toEqual(deployment(id));
    expect(view?.waves.map((w) => [w.index, w.status])).toEqual([
      [0, 'baking'],
      [1, 'pending'],
    ]);
    expect(view?.targets.map((t) => [t.waveIndex, t.targetId, t.status, t.weight])).toEqual([
      [0, 'apse2', 'pending', 0],
      [0, 'use1', 'one_box', 10],
      [1, 'euw1', 'pending', 0],
    ]);
    expect(view?.events.map((e) => e.type)).toEqual(['started', 'wave-started', 'one-box']);
    expect(view?.events[2]).toEqual({
      deploymentId: id,
      at: '2026-03-02T10:02:00.000Z',
      key: 'a',
      type: 'one-box',
      message: 'one-box at 10%',
      wave: 0,
      target: 'use1',
    });
    expect((await store.getTargets(id)).map((t) => t.targetId)).toEqual(['apse2', 'use1', 'euw1']);
  });

  it('stores an event once however often its key is appended, even at a later time', async () => {
    const id = fresh('events');
    await store.createDeployment(deployment(id));
    const event = {
      deploymentId: id,
      key: 'wave-0-started',
      type: 'wave-started',
      message: 'wave 0 started',
    };

    await store.appendEvent({ ...event, at: '2026-03-02T10:00:00.000Z' });
    await store.appendEvent({ ...event, at: '2026-03-02T10:00:00.000Z' });
    await store.appendEvent({ ...event, at: '2026-03-02T10:00:30.000Z', message: 'retried' });

    const view = await store.getDeploymentView(id);
    expect(view?.events).toEqual([{ ...event, at: '2026-03-02T10:00:00.000Z' }]);
  });

  it('reads a view larger than one 1 MB query page completely and in time order', async () => {
    const id = fresh('big');
    await store.createDeployment(deployment(id));
    const padding = 'x'.repeat(4000);
    const count = 300;
    // Keys in reverse time order, so the sort key order is the opposite of the time order.
    for (let i = 0; i < count; i++) {
      const at = new Date(Date.parse('2026-03-02T10:00:00.000Z') + i * 1000).toISOString();
      await store.appendEvent({
        deploymentId: id,
        at,
        key: `k${String(count - i).padStart(4, '0')}`,
        type: 'poll',
        message: `poll ${i}`,
        data: { padding },
      });
    }
    const send = vi.spyOn(local.documentClient, 'send');

    const view = await store.getDeploymentView(id);

    const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand).length;
    send.mockRestore();
    expect(queries).toBeGreaterThan(1);
    expect(view?.events).toHaveLength(count);
    expect(view?.events.map((e) => e.message)).toEqual(Array.from({ length: count }, (_, i) => `poll ${i}`));
  });
});

describe('DynamoDeploymentStore locks', () => {
  it('refuses a second holder and names the one that holds the lock', async () => {
    const alias = fresh('123456789012:us-east-1:fn:live');
    expect(await store.acquireLock(alias, 'dep-1', '2026-03-02T10:00:00.000Z')).toEqual({ acquired: true });

    expect(await store.acquireLock(alias, 'dep-2', '2026-03-02T10:01:00.000Z')).toEqual({
      acquired: false,
      holder: 'dep-1',
    });
  });

  it('lets the holder take its own lock again', async () => {
    const alias = fresh('alias');
    await store.acquireLock(alias, 'dep-1', '2026-03-02T10:00:00.000Z');

    expect(await store.acquireLock(alias, 'dep-1', '2026-03-02T10:05:00.000Z')).toEqual({ acquired: true });
  });

  it('ignores a release by someone who does not hold the lock', async () => {
    const alias = fresh('alias');
    await store.acquireLock(alias, 'dep-1', '2026-03-02T10:00:00.000Z');

    await store.releaseLock(alias, 'dep-2');
    await store.releaseLock(fresh('never-locked'), 'dep-2');

    expect(await store.acquireLock(alias, 'dep-2', '2026-03-02T10:01:00.000Z')).toEqual({
      acquired: false,
      holder: 'dep-1',
    });
  });

  it('hands the lock to the next deployment once the holder releases it', async () => {
    const alias = fresh('alias');
    await store.acquireLock(alias, 'dep-1', '2026-03-02T10:00:00.000Z');

    await store.releaseLock(alias, 'dep-1');

    expect(await store.acquireLock(alias, 'dep-2', '2026-03-02T10:01:00.000Z')).toEqual({ acquired: true });
  });

  it('keeps who last took an alias after its lock is released, and lets the next owner replace it', async () => {
    const alias = fresh('alias');
    await store.acquireLock(alias, 'dep-1', '2026-03-02T10:00:00.000Z');
    const first = { aliasKey: alias, deploymentId: 'dep-1', waveIndex: 0, targetId: 'use1', version: '2' };
    await store.putAliasOwner({ ...first, at: '2026-03-02T10:00:00.000Z' });
    await store.releaseLock(alias, 'dep-1');

    expect(await store.getAliasOwner(alias)).toEqual({ ...first, at: '2026-03-02T10:00:00.000Z' });
    expect(await store.getAliasOwner(fresh('never-owned'))).toBeUndefined();
    const second = {
      ...first,
      deploymentId: 'dep-2',
      version: '3',
      previousOwner: { deploymentId: 'dep-1', waveIndex: 0, targetId: 'use1' },
      at: '2026-03-02T11:00:00.000Z',
    };
    await store.putAliasOwner(second);
    expect(await store.getAliasOwner(alias)).toEqual(second);
    // the owner record is not a lock: the alias can be taken
    expect(await store.acquireLock(alias, 'dep-3', '2026-03-02T12:00:00.000Z')).toEqual({ acquired: true });
  });

  it('grants the lock to exactly one of many concurrent takers', async () => {
    const alias = fresh('alias');

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.acquireLock(alias, `dep-${i}`, '2026-03-02T10:00:00.000Z')),
    );

    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    const holders = new Set(results.flatMap((r) => (r.acquired ? [] : [r.holder])));
    expect(holders.size).toBe(1);
  });
});

describe('startLocalDynamo', () => {
  it('keeps data on disk across a close and a restart on the same path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'breakwater-dynamo-'));
    try {
      const first = await startLocalDynamo({ path: dir });
      const before = new DynamoDeploymentStore({
        client: first.documentClient,
        tableName: first.tableName,
        clock,
      });
      await before.putPipeline(pipeline('persisted'));
      await before.createDeployment(deployment('persisted-1'));
      await first.close();

      const second = await startLocalDynamo({ path: dir });
      const after = new DynamoDeploymentStore({
        client: second.documentClient,
        tableName: second.tableName,
        clock,
      });
      try {
        expect((await after.getPipeline('persisted'))?.version).toBe(1);
        expect(await after.getDeployment('persisted-1')).toEqual(deployment('persisted-1'));
        expect((await after.putPipeline(pipeline('persisted'))).version).toBe(2);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('DynamoDeploymentStore vetoes', () => {
  const alice = { by: 'alice', reason: 'corrupts carts', at: '2026-03-02T10:00:00.000Z' };
  const bob = { by: 'bob', reason: 'another bug', at: '2026-03-02T11:00:00.000Z' };
  const carol = { by: 'carol', reason: 'it is this change after all', at: '2026-03-02T12:00:00.000Z' };

  it('keeps the veto in force when the change is vetoed again, whoever asks', async () => {
    const first = await store.putVeto('vetoes-a', 'c1', alice);
    const again = await store.putVeto('vetoes-a', 'c1', { ...carol, by: 'dave' });

    expect(first).toEqual({
      created: true,
      record: {
        pipelineName: 'vetoes-a',
        changeId: 'c1',
        status: 'vetoed',
        vetoed: alice,
        history: [{ action: 'vetoed', ...alice }],
      },
    });
    expect(again).toEqual({ created: false, record: first.record });
  });

  it('records every veto and lift in order, and a new veto after a lift replaces the lift', async () => {
    await store.putVeto('vetoes-b', 'c1', alice);
    const lifted = await store.liftVeto('vetoes-b', 'c1', bob);
    const liftedAgain = await store.liftVeto('vetoes-b', 'c1', carol);
    const vetoedAgain = await store.putVeto('vetoes-b', 'c1', carol);

    expect(lifted).toMatchObject({ lifted: true, record: { status: 'lifted', vetoed: alice, lifted: bob } });
    expect(liftedAgain).toEqual({ lifted: false, record: lifted.record });
    expect(vetoedAgain.created).toBe(true);
    expect(vetoedAgain.record.status).toBe('vetoed');
    expect(vetoedAgain.record.lifted).toBeUndefined();
    expect(vetoedAgain.record.history.map((h) => `${h.action}:${h.by}`)).toEqual([
      'vetoed:alice',
      'lifted:bob',
      'vetoed:carol',
    ]);
  });

  it('refuses to lift the veto of a change never vetoed', async () => {
    await expect(store.liftVeto('vetoes-c', 'never', bob)).rejects.toThrow(NotFoundError);
    expect(await store.getVeto('vetoes-c', 'never')).toBeUndefined();
  });

  it('lets one of two simultaneous vetoes of a change win, and both callers see that one', async () => {
    const [x, y] = await Promise.all([
      store.putVeto('vetoes-d', 'c1', alice),
      store.putVeto('vetoes-d', 'c1', carol),
    ]);

    expect([x.created, y.created].sort()).toEqual([false, true]);
    expect(x.record).toEqual(y.record);
    expect(x.record.history).toHaveLength(1);
  });

  it('lists the vetoes of one pipeline only', async () => {
    await store.putVeto('vetoes-e', 'c1', alice);
    await store.putVeto('vetoes-e', 'c2', bob);
    await store.putVeto('vetoes-e2', 'c3', carol);

    expect((await store.listVetoes('vetoes-e')).map((v) => v.changeId).sort()).toEqual(['c1', 'c2']);
  });
});
