import { describe, expect, it } from 'vitest';
import { ThrottledError } from '../../../src/core/errors.js';
import { PeakRateCounter } from '../../../src/local/fleet/faults.js';
import { ACCOUNT, fleetWith, START_MS, target } from './fixtures.js';

const use1 = { account: ACCOUNT, region: 'us-east-1' };
const euw1 = { account: ACCOUNT, region: 'eu-west-1' };

describe('PeakRateCounter', () => {
  it('reports the most calls within one virtual second, per account and region', () => {
    // Prepare
    const rate = new PeakRateCounter();

    // Act: 2 calls in second 0, 3 in second 1 (one at its very last millisecond), 1 in second 2.
    for (const ms of [0, 999, 1000, 1500, 1999, 2000]) rate.record(use1, START_MS + ms);

    // Assess
    expect(rate.peaks()).toEqual([
      { account: ACCOUNT, region: 'us-east-1', calls: 3, secondStartMs: START_MS + 1000 },
    ]);
  });

  it('keeps regions apart and lists the busiest first', () => {
    const rate = new PeakRateCounter();
    rate.record(use1, START_MS);
    for (let i = 0; i < 4; i++) rate.record(euw1, START_MS + 10);
    rate.record(use1, START_MS + 20);

    expect(rate.peaks().map((p) => [p.region, p.calls])).toEqual([
      ['eu-west-1', 4],
      ['us-east-1', 2],
    ]);
  });

  it('keeps the first of two equally busy seconds', () => {
    const rate = new PeakRateCounter();
    for (const ms of [0, 1, 60_000, 60_001]) rate.record(use1, START_MS + ms);

    expect(rate.peaks()[0]).toMatchObject({ calls: 2, secondStartMs: START_MS });
  });

  it('has no peak before any call', () => {
    expect(new PeakRateCounter().peaks()).toEqual([]);
  });
});

describe('FleetSimulator call accounting', () => {
  it('counts DescribeAlarms calls per second in the account and region they went to', async () => {
    // Prepare
    const eu = target('euw1', { region: 'eu-west-1', waveName: 'wave-2' });
    const { fleet, clock } = fleetWith({}, [target('use1'), eu]);

    // Act: 250 names are three calls in one second in us-east-1; one call in eu-west-1.
    await fleet.describeAlarms(
      use1,
      Array.from({ length: 250 }, (_, i) => `alarm-${i}`),
    );
    await fleet.describeAlarms(euw1, ['x']);
    clock.advance(1000);
    await fleet.describeAlarms(use1, ['x']);

    // Assess
    expect(fleet.callCounts.DescribeAlarms).toBe(5);
    expect(fleet.peakCallsPerSecond('DescribeAlarms')).toEqual([
      { account: ACCOUNT, region: 'us-east-1', calls: 3, secondStartMs: START_MS },
      { account: ACCOUNT, region: 'eu-west-1', calls: 1, secondStartMs: START_MS },
    ]);
  });

  it('counts a region without targets too (an organisation alarm read there)', async () => {
    const { fleet } = fleetWith({}, [target('use1')]);

    await fleet.describeAlarms({ account: ACCOUNT, region: 'ap-south-1' }, ['org-alarm']);

    expect(fleet.peakCallsPerSecond('DescribeAlarms')).toEqual([
      { account: ACCOUNT, region: 'ap-south-1', calls: 1, secondStartMs: START_MS },
    ]);
  });

  it('counts every GetMetricData query as one metric requested, across 500-query calls', async () => {
    const t = target('use1');
    const { fleet } = fleetWith({}, [t]);
    const query = (i: number) => ({
      id: `q${i}`,
      functionName: t.functionName,
      alias: t.alias,
      version: '1',
      startMs: START_MS - 60_000,
      endMs: START_MS,
    });

    await fleet.countInvocations(
      use1,
      Array.from({ length: 501 }, (_, i) => query(i)),
    );
    await fleet.countInvocations(use1, [query(0), query(1)]);

    expect(fleet.callCounts.GetMetricData).toBe(3);
    expect(fleet.metricsRequested).toBe(503);
  });

  it('counts the calls and metrics of a throttled GetMetricData call', async () => {
    const t = target('use1');
    const { fleet } = fleetWith({ apiFaults: [{ api: 'GetMetricData', error: 'throttle', count: 1 }] }, [t]);
    const query = {
      id: 'q',
      functionName: t.functionName,
      alias: t.alias,
      version: '1',
      startMs: 0,
      endMs: 1,
    };

    await expect(fleet.countInvocations(use1, [query])).rejects.toBeInstanceOf(ThrottledError);

    expect(fleet.callCounts.GetMetricData).toBe(1);
    expect(fleet.metricsRequested).toBe(1);
  });
});
