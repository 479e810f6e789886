import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import orders from '../../../examples/orders.pipeline.js';
import payments from '../../../examples/payments.pipeline.js';
import { type ResolvedWave, resolvePipeline, type Target } from '../../../src/core/pipeline.js';
import {
  estimateHistoryEvents,
  planRollout,
  rolloutSteps,
  targetBatches,
  waveLeadTimeSeconds,
} from '../../../src/core/rollout.js';

const PAYMENTS = resolvePipeline(payments);

function target(n: number): Target {
  return {
    id: `t${n}`,
    account: '111111111111',
    region: 'us-east-1',
    functionName: `fn-${n}`,
    alias: 'live',
  };
}

/** A resolved wave: one-box 10% baking 30m/100 dp, rolling 33/66/100 every 5m, wave bake 1h. */
function wave(overrides: Partial<ResolvedWave> = {}): ResolvedWave {
  return {
    index: 0,
    name: 'wave-1',
    stage: 'production',
    batching: 'in-order',
    hooks: [],
    targets: [target(1)],
    concurrency: 1,
    oneBox: { weight: 10, bake: { duration: 1_800, minDataPoints: 100 } },
    rolling: { weights: [33, 66, 100], healthCheck: 300 },
    bake: { duration: 3_600, minDataPoints: 500 },
    alarms: { rollback: [], oneBox: [] },
    safetyPoll: 60,
    inconclusiveTimeout: 3_600,
    ...overrides,
  };
}

describe('rolloutSteps', () => {
  it('starts with the one-box, then each rolling weight with its health check', () => {
    // Act
    const steps = rolloutSteps(wave());

    // Assess
    expect(steps).toEqual([
      { index: 0, kind: 'one-box', weight: 10, bakeSeconds: 1_800, minDataPoints: 100 },
      { index: 1, kind: 'rolling', weight: 33, bakeSeconds: 300, minDataPoints: 0 },
      { index: 2, kind: 'rolling', weight: 66, bakeSeconds: 300, minDataPoints: 0 },
      { index: 3, kind: 'rolling', weight: 100, bakeSeconds: 300, minDataPoints: 0 },
    ]);
  });

  it.each([
    ['keeps every rolling weight above a small one-box', 5, [25, 50, 100], [5, 25, 50, 100]],
    ['drops rolling weights below the one-box weight', 40, [25, 50, 100], [40, 50, 100]],
    ['drops a rolling weight equal to the one-box weight', 50, [25, 50, 100], [50, 100]],
    ['goes straight from the one-box to 100%', 90, [50, 100], [90, 100]],
    ['handles a single rolling step', 10, [100], [10, 100]],
  ])('%s', (_case, oneBoxWeight, weights, expected) => {
    // Prepare
    const w = wave({
      oneBox: { weight: oneBoxWeight, bake: { duration: 600, minDataPoints: 10 } },
      rolling: { weights, healthCheck: 60 },
    });

    // Act
    const steps = rolloutSteps(w);

    // Assess
    expect(steps.map((s) => s.weight)).toEqual(expected);
    expect(steps.map((s) => s.index)).toEqual(expected.map((_, i) => i));
  });

  it('always starts with the one-box, climbs strictly and ends at 100%', () => {
    const arbWave = fc
      .record({
        oneBoxWeight: fc.integer({ min: 1, max: 99 }),
        rollingBelow100: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 6 }),
      })
      .map(({ oneBoxWeight, rollingBelow100 }) =>
        wave({
          oneBox: { weight: oneBoxWeight, bake: { duration: 600, minDataPoints: 10 } },
          rolling: { weights: [...rollingBelow100.sort((a, b) => a - b), 100], healthCheck: 60 },
        }),
      );
    fc.assert(
      fc.property(arbWave, (w) => {
        const steps = rolloutSteps(w);
        expect(steps[0]).toMatchObject({ kind: 'one-box', weight: w.oneBox.weight });
        expect(steps.slice(1).every((s) => s.kind === 'rolling' && s.weight > w.oneBox.weight)).toBe(true);
        expect(steps.every((s, i) => i === 0 || s.weight > (steps[i - 1]?.weight ?? 0))).toBe(true);
        expect(steps.at(-1)?.weight).toBe(100);
      }),
    );
  });
});

describe('targetBatches', () => {
  it.each([
    ['one target', 1, 1, [[0]]],
    ['targets one at a time', 3, 1, [[0], [1], [2]]],
    [
      'an even split',
      4,
      2,
      [
        [0, 1],
        [2, 3],
      ],
    ],
    ['a smaller last batch', 5, 2, [[0, 1], [2, 3], [4]]],
    ['every target at once when concurrency covers them', 3, 3, [[0, 1, 2]]],
    ['every target at once when concurrency exceeds them', 2, 40, [[0, 1]]],
  ])('batches %s', (_case, targetCount, concurrency, expected) => {
    // Prepare
    const targets = Array.from({ length: targetCount }, (_, i) => target(i));

    // Act
    const batches = targetBatches({ targets, concurrency });

    // Assess
    expect(batches).toEqual(expected);
  });

  it('puts every target in exactly one batch, in order, no batch bigger than the concurrency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 40 }), (count, concurrency) => {
        const targets = Array.from({ length: count }, (_, i) => target(i));
        const batches = targetBatches({ targets, concurrency });
        expect(batches.flat()).toEqual(targets.map((_, i) => i));
        expect(batches.every((b) => b.length >= 1 && b.length <= concurrency)).toBe(true);
        expect(batches).toHaveLength(Math.ceil(count / concurrency));
      }),
    );
  });
});

describe('targetBatches per region', () => {
  const REGIONS = ['us-east-1', 'eu-west-1', 'ap-northeast-1'];
  /** 3 regions × 3 cells, listed region by region: r0c0 r0c1 r0c2 r1c0 ... */
  const cells = REGIONS.flatMap((region, r) =>
    [0, 1, 2].map((c) => ({ ...target(r * 3 + c), id: `r${r}c${c}`, region, cell: `cell-${c}` })),
  );
  const ids = (batches: number[][]) => batches.map((b) => b.map((i) => cells[i]!.id));

  it('takes one cell of every region per batch, the regions in parallel, then the next cell', () => {
    // Act
    const batches = targetBatches({ targets: cells, concurrency: 3, batching: 'per-region' });

    // Assess
    expect(ids(batches)).toEqual([
      ['r0c0', 'r1c0', 'r2c0'],
      ['r0c1', 'r1c1', 'r2c1'],
      ['r0c2', 'r1c2', 'r2c2'],
    ]);
  });

  it('still caps a batch at the concurrency, splitting a round of regions', () => {
    // Act
    const batches = targetBatches({ targets: cells, concurrency: 2, batching: 'per-region' });

    // Assess
    expect(ids(batches)).toEqual([
      ['r0c0', 'r1c0'],
      ['r2c0'],
      ['r0c1', 'r1c1'],
      ['r2c1'],
      ['r0c2', 'r1c2'],
      ['r2c2'],
    ]);
  });

  it('keeps going in the regions that have more cells once the others are done', () => {
    // Prepare: us-east-1 has three cells, eu-west-1 one, listed interleaved
    const targets = [cells[0]!, cells[3]!, cells[1]!, cells[2]!];

    // Act
    const batches = targetBatches({ targets, concurrency: 5, batching: 'per-region' });

    // Assess
    expect(batches).toEqual([[0, 1], [2], [3]]);
  });

  it('never puts two targets of one region in a batch, and every target in exactly one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...REGIONS), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 40 }),
        (regions, concurrency) => {
          const targets = regions.map((region, i) => ({ ...target(i), region }));
          const batches = targetBatches({ targets, concurrency, batching: 'per-region' });
          expect(batches.flat().sort((a, b) => a - b)).toEqual(targets.map((_, i) => i));
          for (const b of batches) {
            expect(b.length).toBeLessThanOrEqual(concurrency);
            expect(new Set(b.map((i) => regions[i])).size).toBe(b.length);
          }
        },
      ),
    );
  });

  it('is what the plan shows, batch by batch', () => {
    // Prepare
    const pipeline = resolvePipeline({
      name: 'cells',
      waves: [{ name: 'world', batching: 'per-region', concurrency: 3, targets: cells }],
    });

    // Act
    const plan = planRollout(pipeline);

    // Assess
    expect(plan.waves[0]).toMatchObject({ batching: 'per-region', batches: 3, stage: 'production' });
    expect(plan.waves[0]!.batchTargets[0]).toEqual(['r0c0', 'r1c0', 'r2c0']);
  });

  it('lists each wave’s hooks and whether it runs the one-box analysis', () => {
    // Act
    const plan = planRollout(resolvePipeline(orders));

    // Assess
    expect(plan.waves.map((w) => [w.name, w.stage, w.analysis])).toEqual([
      ['beta', 'pre-production', false],
      ['gamma', 'pre-production', false],
      ['canary', 'production', true],
      ['world', 'production', true],
    ]);
    expect(plan.waves[1]!.hooks).toEqual([
      { name: 'contract', at: 'beforeTraffic', scope: 'target', timeoutSeconds: 120 },
      { name: 'canary', at: 'afterOneBox', scope: 'target', timeoutSeconds: 300 },
    ]);
  });
});

describe('waveLeadTimeSeconds', () => {
  it.each([
    // one-box 30m + 3 × 5m health checks = 45m per batch, then a 1h wave bake
    ['one batch', 1, 1, 2_700 + 3_600],
    ['two batches', 2, 1, 2 * 2_700 + 3_600],
    ['three targets two at a time', 3, 2, 2 * 2_700 + 3_600],
    ['three targets at once', 3, 3, 2_700 + 3_600],
  ])('adds each batch’s steps and the wave bake for %s', (_case, targetCount, concurrency, expected) => {
    // Prepare
    const w = wave({ targets: Array.from({ length: targetCount }, (_, i) => target(i)), concurrency });

    // Act
    const seconds = waveLeadTimeSeconds(w);

    // Assess
    expect(seconds).toBe(expected);
  });
});

describe('estimateHistoryEvents', () => {
  it('grows with the bake length and stays under the Step Functions limit for the example', () => {
    // Prepare
    const short = wave();
    const long = wave({ bake: { duration: 10 * 3_600, minDataPoints: 500 } });

    // Act
    const [a, b] = [estimateHistoryEvents(short), estimateHistoryEvents(long)];

    // Assess
    expect(b.wave).toBeGreaterThan(a.wave);
    expect(b.batch).toBe(a.batch);
    for (const w of PAYMENTS.waves) {
      const events = estimateHistoryEvents(w);
      expect(Math.max(events.wave, events.batch)).toBeLessThan(25_000);
    }
  });
});

describe('planRollout', () => {
  it('lists every wave of the example with its targets, steps and lead time', () => {
    // Act
    const plan = planRollout(PAYMENTS);

    // Assess
    expect(plan.pipeline).toBe('payments-api');
    expect(plan.waves.map((w) => [w.name, w.targets.length, w.batches])).toEqual([
      ['canary', 1, 1],
      ['europe', 2, 1],
      ['world', 3, 1],
    ]);
    expect(plan.waves.map((w) => w.leadTimeSeconds)).toEqual([3 * 3_600, 2.5 * 3_600, 2 * 3_600]);
    expect(plan.waves[0]?.targets[0]).toEqual({
      id: 'use1-cell1',
      region: 'us-east-1',
      account: '111111111111',
      cell: 'cell-1',
      alias: 'payments-api-cell-1:live',
    });
    expect(plan.waves[1]?.targets[0]).not.toHaveProperty('cell');
    expect(plan.waves[0]?.steps.map((s) => s.weight)).toEqual([10, 33, 66, 100]);
    expect(plan.waves.map((w) => [w.waveBakeSeconds, w.waveMinDataPoints])).toEqual([
      [7_200, 2_000],
      [5_400, 1_500],
      [3_600, 1_000],
    ]);
  });

  it('totals the lead time and the targets of every wave', () => {
    // Act
    const plan = planRollout(PAYMENTS);

    // Assess
    expect(plan.totalLeadTimeSeconds).toBe(plan.waves.reduce((s, w) => s + w.leadTimeSeconds, 0));
    expect(plan.totalLeadTimeSeconds).toBe(7.5 * 3_600);
    expect(plan.targetCount).toBe(6);
  });
});
