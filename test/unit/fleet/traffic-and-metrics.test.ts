import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoutingChange } from '../../../src/local/fleet/lambda.js';
import { minuteShares, sampleMinute } from '../../../src/local/fleet/traffic.js';
import { fleetWith, MINUTE, START_MS, startOneBox, target } from './fixtures.js';

const use1 = target('use1');
const invocations = (version: string, startMs: number, endMs: number) => ({
  id: `v${version}`,
  functionName: use1.functionName,
  alias: use1.alias,
  version,
  startMs,
  endMs,
});

describe('traffic split by alias weight', () => {
  it('puts 10% of invocations on the new version at a 10% weight', async () => {
    const { fleet, clock } = fleetWith({ traffic: { requestsPerMinute: 600 } }, [use1]);
    const v2 = await startOneBox(fleet, use1, 0.1);
    clock.advance(30 * MINUTE);
    const counts = await fleet.countInvocations(use1, [
      invocations(v2, START_MS, clock.nowMs()),
      invocations('1', START_MS, clock.nowMs()),
    ]);
    expect(counts[`v${v2}`]).toBe(30 * 60);
    expect(counts.v1).toBe(30 * 540);
  });

  it('splits a minute in which the routing changed by the time each routing was in effect', () => {
    const history: RoutingChange[] = [
      { atMs: 0, functionVersion: '1', additional: null, revisionId: 'a' },
      { atMs: 30_000, functionVersion: '1', additional: { version: '2', weight: 0.5 }, revisionId: 'b' },
    ];
    const shares = minuteShares(history, 0);
    expect(shares.get('1')).toBeCloseTo(0.75);
    expect(shares.get('2')).toBeCloseTo(0.25);
  });

  it('carries rounding remainders so a small error rate still produces errors over time', () => {
    const carry = new Map();
    let errors = 0;
    for (let minute = 0; minute < 100; minute++) {
      const [sample] = sampleMinute({
        requests: 100,
        shares: new Map([['1', 1]]),
        behaviourOf: () => ({ errorRate: 0.001, latencyMs: 100, throttleRate: 0 }),
        carry,
      });
      errors += sample!.errors;
    }
    expect(errors).toBe(10);
  });

  it('lowers traffic at night with a diurnal swing', async () => {
    const { fleet, clock } = fleetWith(
      { start: '2026-11-23T00:00:00Z', traffic: { requestsPerMinute: 600, diurnalSwing: 0.5 } },
      [use1],
    );
    const midnight = Date.parse('2026-11-23T00:00:00Z');
    clock.set(midnight + 13 * 60 * MINUTE);
    const night = await fleet.countInvocations(use1, [invocations('1', midnight, midnight + 10 * MINUTE)]);
    const noon = await fleet.countInvocations(use1, [
      invocations('1', midnight + 12 * 60 * MINUTE, midnight + 12 * 60 * MINUTE + 10 * MINUTE),
    ]);
    expect(night.v1).toBeLessThan(3100);
    expect(noon.v1).toBeGreaterThan(8900);
  });

  it('honours per-target request rates', async () => {
    const { fleet, clock } = fleetWith({ traffic: { requestsPerMinute: 600, perTarget: { use1: 60 } } }, [
      use1,
    ]);
    clock.advance(10 * MINUTE);
    expect((await fleet.countInvocations(use1, [invocations('1', START_MS, clock.nowMs())])).v1).toBe(600);
  });
});

describe('per-minute metrics', () => {
  it('publishes a minute only once it has ended on the virtual clock', async () => {
    const { fleet, clock } = fleetWith({}, [use1]);
    clock.advance(MINUTE - 1);
    expect((await fleet.countInvocations(use1, [invocations('1', START_MS, START_MS + MINUTE)])).v1).toBe(0);
    expect(
      fleet.metricData('use1', { metric: 'Invocations', fromMs: START_MS, toMs: START_MS + MINUTE }),
    ).toEqual([]);
    clock.advance(1);
    expect((await fleet.countInvocations(use1, [invocations('1', START_MS, START_MS + MINUTE)])).v1).toBe(
      600,
    );
    expect(
      fleet.metricData('use1', { metric: 'Invocations', fromMs: START_MS, toMs: START_MS + MINUTE }),
    ).toEqual([{ timestampMs: START_MS, value: 600 }]);
  });

  it('answers 0 for an alias or version the fleet does not have', async () => {
    const { fleet, clock } = fleetWith({}, [use1]);
    clock.advance(10 * MINUTE);
    const counts = await fleet.countInvocations(use1, [
      { ...invocations('1', START_MS, clock.nowMs()), id: 'other', alias: 'other' },
      invocations('42', START_MS, clock.nowMs()),
    ]);
    expect(counts).toEqual({ other: 0, v42: 0 });
  });

  it('reports the error rate and Duration of the versions behind the alias', async () => {
    const { fleet, clock } = fleetWith(
      { baseline: { errorRate: 0, latencyMs: 100 }, candidate: { errorRate: 0.5, latencyMs: 300 } },
      [use1],
    );
    const v2 = await startOneBox(fleet, use1, 0.5);
    clock.advance(MINUTE);
    const window = { fromMs: START_MS, toMs: START_MS + MINUTE };
    expect(fleet.metricData('use1', { metric: 'ErrorRate', ...window })[0]?.value).toBe(25);
    expect(fleet.metricData('use1', { metric: 'Errors', version: v2, ...window })[0]?.value).toBe(150);
    expect(fleet.metricData('use1', { metric: 'Duration', ...window })[0]?.value).toBe(200);
    expect(fleet.metricData('use1', { metric: 'Errors', version: '1', ...window })[0]?.value).toBe(0);
  });
});

describe('traffic properties', () => {
  const routing = fc.record({
    weight: fc.double({ min: 0, max: 0.999, noNaN: true }),
    rpm: fc.integer({ min: 0, max: 5000 }),
    minutes: fc.integer({ min: 1, max: 30 }),
    errorRate: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('never serves more invocations on the new version than in total, nor more errors than invocations', async () => {
    await fc.assert(
      fc.asyncProperty(routing, async ({ weight, rpm, minutes, errorRate }) => {
        const { fleet, clock } = fleetWith(
          { traffic: { requestsPerMinute: rpm }, candidate: { errorRate, latencyMs: 50 } },
          [use1],
        );
        const v2 = await startOneBox(fleet, use1, weight);
        clock.advance(minutes * MINUTE);
        const end = clock.nowMs();
        const counts = await fleet.countInvocations(use1, [
          invocations(v2, START_MS, end),
          invocations('1', START_MS, end),
        ]);
        const total = counts[`v${v2}`]! + counts.v1!;
        expect(counts[`v${v2}`]).toBeLessThanOrEqual(total);
        expect(Math.abs(total - rpm * minutes)).toBeLessThanOrEqual(1);
        const errors = fleet.metricData('use1', {
          metric: 'Errors',
          version: v2,
          fromMs: START_MS,
          toMs: end,
          periodSeconds: 3600,
        });
        expect(errors[0]?.value ?? 0).toBeLessThanOrEqual(counts[`v${v2}`]!);
      }),
      { numRuns: 60 },
    );
  });

  it('sends no invocation to the candidate at weight 0', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 120 }),
        async (rpm, minutes) => {
          const { fleet, clock } = fleetWith({ traffic: { requestsPerMinute: rpm } }, [use1]);
          const v2 = await startOneBox(fleet, use1, 0);
          clock.advance(minutes * MINUTE);
          const counts = await fleet.countInvocations(use1, [invocations(v2, START_MS, clock.nowMs())]);
          expect(counts[`v${v2}`]).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives each version a share proportional to its weight, within one request per minute', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        fc.integer({ min: 0, max: 100_000 }),
        (weight, rpm) => {
          const history: RoutingChange[] = [
            { atMs: 0, functionVersion: '1', additional: { version: '2', weight }, revisionId: 'r' },
          ];
          const samples = sampleMinute({
            requests: rpm,
            shares: minuteShares(history, 0),
            behaviourOf: () => ({ errorRate: 0, latencyMs: 1, throttleRate: 0 }),
            carry: new Map(),
          });
          const onNew = samples.find((s) => s.version === '2')?.invocations ?? 0;
          expect(Math.abs(onNew - rpm * weight)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
