import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import type { InvocationQuery } from '../../../src/ports/fleet.js';
import { fleetWith, MINUTE, START_MS, startOneBox, target } from './fixtures.js';

const use1 = target('use1');

function query(version: string, startMs: number, endMs: number, id = `v${version}`): InvocationQuery {
  return { id, functionName: use1.functionName, alias: use1.alias, version, startMs, endMs };
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
});
