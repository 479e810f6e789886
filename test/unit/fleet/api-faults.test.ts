import { describe, expect, it } from 'vitest';
import { InvalidInputError, ThrottledError, TransientError } from '../../../src/core/errors.js';
import { fleetWith, MINUTE, target } from './fixtures.js';

const use1 = target('use1');
const usw2 = target('usw2', { region: 'us-west-2', waveName: 'wave-2' });

describe('API fault injection', () => {
  it('throttles the first N calls after the fault starts, then succeeds', async () => {
    const { fleet, clock } = fleetWith(
      { apiFaults: [{ api: 'GetAlias', error: 'throttle', count: 2, at: '10m' }] },
      [use1],
    );
    await expect(fleet.getAlias(use1)).resolves.toBeDefined();
    clock.advance(10 * MINUTE);
    await expect(fleet.getAlias(use1)).rejects.toBeInstanceOf(ThrottledError);
    await expect(fleet.getAlias(use1)).rejects.toMatchObject({ name: 'ThrottledError', retryable: true });
    await expect(fleet.getAlias(use1)).resolves.toMatchObject({ functionVersion: '1' });
    expect(fleet.callCounts.GetAlias).toBe(4);
  });

  it('fails transiently every call inside the window when no count is given', async () => {
    const { fleet, clock } = fleetWith(
      { apiFaults: [{ api: 'DescribeAlarms', error: 'transient', at: '1m', until: '3m' }] },
      [use1],
    );
    clock.advance(MINUTE);
    await expect(fleet.describeAlarms(use1, ['x'])).rejects.toBeInstanceOf(TransientError);
    await expect(fleet.describeAlarms(use1, ['x'])).rejects.toBeInstanceOf(TransientError);
    clock.advance(2 * MINUTE);
    await expect(fleet.describeAlarms(use1, ['x'])).resolves.toEqual([]);
  });

  it('applies only to calls concerning the targets or waves it names', async () => {
    const { fleet } = fleetWith(
      { apiFaults: [{ api: 'GetMetricData', error: 'throttle', targets: ['wave-2'] }] },
      [use1, usw2],
    );
    await expect(fleet.countInvocations(use1, [])).resolves.toEqual({});
    await expect(fleet.countInvocations(usw2, [])).rejects.toBeInstanceOf(ThrottledError);
  });

  it('leaves the alias untouched when UpdateAlias is throttled', async () => {
    const { fleet } = fleetWith({ apiFaults: [{ api: 'UpdateAlias', error: 'throttle', count: 1 }] }, [use1]);
    const v2 = (await fleet.publishVersion(use1, { code: { imageUri: 'repo:v2' }, description: 'v2' }))
      .version;
    const { revisionId } = await fleet.getAlias(use1);
    const update = { functionVersion: '1', additional: { version: v2, weight: 0.1 }, revisionId };
    await expect(fleet.updateAlias(use1, update)).rejects.toBeInstanceOf(ThrottledError);
    expect(fleet.aliasHistory('use1')).toHaveLength(1);
    await expect(fleet.updateAlias(use1, update)).resolves.toMatchObject({ additional: { version: v2 } });
  });

  it('counts one DescribeAlarms call per 100 names', async () => {
    const { fleet } = fleetWith({}, [use1]);
    await fleet.describeAlarms(
      use1,
      Array.from({ length: 250 }, (_, i) => `alarm-${i}`),
    );
    expect(fleet.callCounts.DescribeAlarms).toBe(3);
  });

  it('refuses a fault naming a target or wave the fleet does not have', () => {
    expect(() =>
      fleetWith({ apiFaults: [{ api: 'GetAlias', error: 'throttle', targets: ['nowhere'] }] }, [use1]),
    ).toThrow(InvalidInputError);
  });
});
