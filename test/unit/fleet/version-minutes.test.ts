import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import type { VersionMinute } from '../../../src/core/version-minute.js';
import type { AlarmChange } from '../../../src/local/fleet/index.js';
import type { ScenarioInput } from '../../../src/local/scenario.js';
import type { InvocationQuery } from '../../../src/ports/fleet.js';
import { fleetWith, MINUTE, START_MS, startOneBox, target } from './fixtures.js';

const use1 = target('use1');

function query(version: string, startMs: number, endMs: number, id = `v${version}`): InvocationQuery {
  return { id, functionName: use1.functionName, alias: use1.alias, version, startMs, endMs };
}

/** Runs `minutes` minutes of a scenario on version 1 alone and reads them back. */
async function minutesOf(scenario: ScenarioInput, minutes: number): Promise<VersionMinute[]> {
  const { fleet, clock } = fleetWith(scenario, [use1]);
  clock.advance(minutes * MINUTE);
  const answer = await fleet.versionMinutes(use1, [query('1', START_MS, clock.nowMs())]);
  return answer.v1 ?? [];
}

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

describe('FleetSimulator.versionMinutes', () => {
  it('splits each minute of a 90/10 one-box between the versions by ExecutedVersion', async () => {
    // Arrange
    const { fleet, clock } = fleetWith(
      {
        traffic: { requestsPerMinute: 600 },
        baseline: { errorRate: 0, latencyMs: 100 },
        candidate: { errorRate: 0.02, latencyMs: 150 },
      },
      [use1],
    );
    const v2 = await startOneBox(fleet, use1, 0.1);
    clock.advance(5 * MINUTE);

    // Act
    const minutes = await fleet.versionMinutes(use1, [
      query('1', START_MS, clock.nowMs()),
      query(v2, START_MS, clock.nowMs()),
    ]);

    // Assert: 1.2 expected errors a minute, rounded with the remainder carried (1, 1, 2, 1, 1).
    const startsAt = (i: number) => START_MS + i * MINUTE;
    expect(minutes.v1).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({
        startMs: startsAt(i),
        invocations: 540,
        errors: 0,
        p50Ms: 100,
        p99Ms: 180,
      })),
    );
    expect(minutes[`v${v2}`]).toEqual(
      [1, 1, 2, 1, 1].map((errors, i) => ({
        startMs: startsAt(i),
        invocations: 60,
        errors,
        p50Ms: 150,
        p99Ms: 150 * 1.8,
      })),
    );
  });

  it('omits the minute still running and the minutes the query window leaves out', async () => {
    // Arrange
    const { fleet, clock } = fleetWith({}, [use1]);
    clock.advance(3 * MINUTE + 30_000);

    // Act: from mid-minute 0 to one ms into minute 2, and from the start to an hour from now.
    const minutes = await fleet.versionMinutes(use1, [
      query('1', START_MS + 30_000, START_MS + 2 * MINUTE + 1, 'window'),
      query('1', START_MS, START_MS + 60 * MINUTE, 'future'),
    ]);

    // Assert: minutes starting in [startMs, endMs) that have ended.
    expect(minutes.window?.map((m) => m.startMs)).toEqual([START_MS + MINUTE, START_MS + 2 * MINUTE]);
    expect(minutes.future?.map((m) => m.startMs)).toEqual([0, 1, 2].map((i) => START_MS + i * MINUTE));
  });

  it('omits the minutes in which the version served no traffic', async () => {
    // Arrange: the one-box runs during minutes 2 and 3 only.
    const { fleet, clock } = fleetWith({}, [use1]);
    clock.advance(2 * MINUTE);
    const v2 = await startOneBox(fleet, use1, 0.1);
    clock.advance(2 * MINUTE);
    const alias = await fleet.getAlias(use1);
    await fleet.updateAlias(use1, { functionVersion: '1', additional: null, revisionId: alias.revisionId });
    clock.advance(3 * MINUTE);

    // Act
    const minutes = await fleet.versionMinutes(use1, [query(v2, START_MS, clock.nowMs())]);

    // Assert
    expect(minutes[`v${v2}`]?.map((m) => m.startMs)).toEqual([START_MS + 2 * MINUTE, START_MS + 3 * MINUTE]);
  });

  it('answers no minutes for an alias or version the fleet does not have', async () => {
    // Arrange
    const { fleet, clock } = fleetWith({}, [use1]);
    clock.advance(5 * MINUTE);

    // Act
    const minutes = await fleet.versionMinutes(use1, [
      { ...query('1', START_MS, clock.nowMs()), id: 'other', alias: 'other' },
      query('42', START_MS, clock.nowMs()),
    ]);

    // Assert
    expect(minutes).toEqual({ other: [], v42: [] });
  });

  it('refuses an id used twice in one call, naming where the repeat is', async () => {
    // Arrange
    const { fleet } = fleetWith({}, [use1]);

    // Act
    const result = fleet.versionMinutes(use1, [query('1', 0, 1, 'x'), query('2', 0, 1, 'x')]);

    // Assert
    await expect(result).rejects.toBeInstanceOf(InvalidInputError);
    await expect(result).rejects.toThrow(/queries\[1\]\.id: expected ids unique within one call/);
  });

  it('requests four metrics per query, in GetMetricData calls of at most 500 metrics', async () => {
    // Arrange
    const { fleet } = fleetWith({}, [use1]);
    const queries = Array.from({ length: 200 }, (_, i) => query('1', START_MS, START_MS + MINUTE, `q${i}`));

    // Act
    await fleet.versionMinutes(use1, queries);

    // Assert
    expect(fleet.callCounts.GetMetricData).toBe(2);
    expect(fleet.metricsRequested).toBe(800);
  });

  it('reports the minutes the alarms and charts see', async () => {
    // Arrange
    const { fleet, clock } = fleetWith({ noise: { latencyCv: 0.2 } }, [use1]);
    const v2 = await startOneBox(fleet, use1, 0.1);
    clock.advance(30 * MINUTE);
    const window = { fromMs: START_MS, toMs: clock.nowMs() };

    // Act
    const minutes = (await fleet.versionMinutes(use1, [query(v2, START_MS, clock.nowMs())]))[`v${v2}`] ?? [];

    // Assert
    const series = (metric: 'Invocations' | 'Errors' | 'Duration', stat: 'Sum' | 'Average' | 'p99') =>
      fleet.metricData('use1', { metric, stat, version: v2, ...window }).map((d) => d.value);
    expect(minutes).toHaveLength(30);
    expect(minutes.map((m) => m.invocations)).toEqual(series('Invocations', 'Sum'));
    expect(minutes.map((m) => m.errors)).toEqual(series('Errors', 'Sum'));
    // Average is Sum / SampleCount: the mean back, to the last bit or so.
    expect(minutes.map((m) => m.p50Ms)).toEqual(
      series('Duration', 'Average').map((v) => expect.closeTo(v, 9)),
    );
    expect(minutes.map((m) => m.p99Ms)).toEqual(series('Duration', 'p99'));
  });
});

describe('metric noise', () => {
  it('keeps every minute at its expected value when the scenario has no noise', async () => {
    // Arrange
    const scenario: ScenarioInput = {
      traffic: { requestsPerMinute: 1000 },
      baseline: { errorRate: 0.05, latencyMs: 80 },
    };

    // Act
    const minutes = await minutesOf(scenario, 10);

    // Assert
    expect(minutes).toEqual(
      Array.from({ length: 10 }, (_, i) => ({
        startMs: START_MS + i * MINUTE,
        invocations: 1000,
        errors: 50,
        p50Ms: 80,
        p99Ms: 80 * 1.8,
      })),
    );
  });

  it('draws requests per minute with Poisson variance and errors with binomial variance', async () => {
    // Arrange
    const scenario: ScenarioInput = {
      seed: 20261201,
      noise: {},
      traffic: { requestsPerMinute: 1000 },
      baseline: { errorRate: 0.05, latencyMs: 80 },
    };

    // Act
    const minutes = await minutesOf(scenario, 400);

    // Assert: each ratio is 1 in expectation; 400 minutes put 3 standard errors within ±0.25.
    const requests = meanAndVariance(minutes.map((m) => m.invocations));
    expect(requests.mean).toBeGreaterThan(990);
    expect(requests.mean).toBeLessThan(1010);
    expect(requests.variance / requests.mean).toBeGreaterThan(0.75);
    expect(requests.variance / requests.mean).toBeLessThan(1.25);
    const p = 0.05;
    const errorZ2 = minutes.map((m) => (m.errors - m.invocations * p) ** 2 / (m.invocations * p * (1 - p)));
    const meanZ2 = errorZ2.reduce((sum, z2) => sum + z2, 0) / errorZ2.length;
    expect(meanZ2).toBeGreaterThan(0.75);
    expect(meanZ2).toBeLessThan(1.25);
  });

  it("draws each minute's p50 and p99 around the mean with the configured coefficient of variation", async () => {
    // Arrange
    const scenario: ScenarioInput = {
      seed: 20261201,
      noise: { latencyCv: 0.2 },
      baseline: { errorRate: 0.001, latencyMs: 100 },
    };

    // Act
    const minutes = await minutesOf(scenario, 400);

    // Assert
    const p50 = meanAndVariance(minutes.map((m) => m.p50Ms ?? 0));
    const p99 = meanAndVariance(minutes.map((m) => m.p99Ms ?? 0));
    expect(p50.mean).toBeGreaterThan(95);
    expect(p50.mean).toBeLessThan(105);
    expect(p99.mean).toBeGreaterThan(171);
    expect(p99.mean).toBeLessThan(189);
    const cv = Math.sqrt(p99.variance) / p99.mean;
    expect(cv).toBeGreaterThan(0.16);
    expect(cv).toBeLessThan(0.24);
    expect(minutes.every((m) => (m.p99Ms ?? 0) >= (m.p50Ms ?? 0))).toBe(true);
  });

  it('gives the same minutes for the same seed and other minutes for another seed', async () => {
    // Arrange
    const scenario = (seed: number): ScenarioInput => ({ seed, noise: {} });

    // Act
    const [first, again, other] = await Promise.all([
      minutesOf(scenario(7), 60),
      minutesOf(scenario(7), 60),
      minutesOf(scenario(8), 60),
    ]);

    // Assert
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    expect(other.map((m) => m.invocations)).not.toEqual(first.map((m) => m.invocations));
    expect(other.map((m) => m.p99Ms)).not.toEqual(first.map((m) => m.p99Ms));
  });

  it('gives the same minutes whether they are read one at a time or all at the end', async () => {
    // Arrange
    const scenario: ScenarioInput = { seed: 3, noise: {} };
    const stepwise = fleetWith(scenario, [use1]);
    const atOnce = fleetWith(scenario, [use1]);
    const v2 = await startOneBox(stepwise.fleet, use1, 0.1);
    await startOneBox(atOnce.fleet, use1, 0.1);

    // Act
    const readOneByOne: VersionMinute[] = [];
    for (let i = 0; i < 20; i++) {
      stepwise.clock.advance(MINUTE);
      const now = stepwise.clock.nowMs();
      const answer = await stepwise.fleet.versionMinutes(use1, [query(v2, now - MINUTE, now)]);
      readOneByOne.push(...(answer[`v${v2}`] ?? []));
    }
    atOnce.clock.advance(20 * MINUTE);
    const readAtTheEnd = await atOnce.fleet.versionMinutes(use1, [query(v2, START_MS, atOnce.clock.nowMs())]);

    // Assert
    expect(readOneByOne).toHaveLength(20);
    expect(readOneByOne).toEqual(readAtTheEnd[`v${v2}`]);
  });

  it('keeps the counts exact with counts off, and the latency exact with a coefficient of variation of 0', async () => {
    // Arrange
    const base: ScenarioInput = {
      traffic: { requestsPerMinute: 1000 },
      baseline: { errorRate: 0.05, latencyMs: 80 },
    };

    // Act
    const latencyOnly = await minutesOf({ ...base, noise: { counts: false } }, 30);
    const countsOnly = await minutesOf({ ...base, noise: { latencyCv: 0 } }, 30);

    // Assert
    expect(latencyOnly.every((m) => m.invocations === 1000 && m.errors === 50)).toBe(true);
    expect(new Set(latencyOnly.map((m) => m.p99Ms)).size).toBeGreaterThan(1);
    expect(countsOnly.every((m) => m.p50Ms === 80 && m.p99Ms === 80 * 1.8)).toBe(true);
    expect(new Set(countsOnly.map((m) => m.invocations)).size).toBeGreaterThan(1);
  });

  it('fires a p99 alarm set just above the noiseless p99 only when latency is noisy', async () => {
    // Arrange
    const alarm = {
      name: 'latency-p99',
      metric: 'Duration' as const,
      stat: 'p99' as const,
      threshold: 200,
      treatMissingData: 'notBreaching' as const,
    };
    const run = async (noise: ScenarioInput['noise']) => {
      const { fleet, clock } = fleetWith(
        {
          baseline: { errorRate: 0, latencyMs: 100 },
          alarms: { metric: [alarm] },
          ...(noise ? { noise } : {}),
        },
        [use1],
      );
      const changes: AlarmChange[] = [];
      fleet.onAlarmChange((change) => changes.push(change));
      clock.advance(60 * MINUTE);
      fleet.settle();
      return changes.filter((change) => change.to === 'ALARM');
    };

    // Act
    const quiet = await run(undefined);
    const noisy = await run({ latencyCv: 0.2 });

    // Assert: 1.8 × 100 ms is 180 ms; with a CV of 0.2 some minutes' p99 pass 200 ms.
    expect(quiet).toEqual([]);
    expect(noisy.length).toBeGreaterThan(0);
  });
});
