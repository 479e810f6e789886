import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/cli/simulate.js';
import { errorRateAlarms, smallPipeline, target } from '../support/fixtures.js';

describe('simulate with API faults from the start', () => {
  it('ends as a deployment outcome when PublishVersion throttles from the first call (the build is not faulted)', async () => {
    // Prepare: the scenario throttles PublishVersion at once; simulate's own build publishes the
    // candidate first, which is not one of Breakwater's calls.
    const pipeline = smallPipeline({ waves: [{ name: 'one', targets: [target('a1')] }] });

    // Act
    const result = await simulate(pipeline, {
      alarms: errorRateAlarms(),
      apiFaults: [{ api: 'PublishVersion', error: 'throttle', count: 1 }],
    });

    // Assess
    expect(result.outcome).toBe('succeeded');
  });
});

describe('simulate outcomes', () => {
  it('reports a deployment held past maxHold as expired, and the wave it never started as not started', async () => {
    // Prepare: wave two's region alarm is held in ALARM from the start, maxHold 2h
    const pipeline = smallPipeline({
      maxHold: '2h',
      waves: [
        { name: 'one', targets: [target('a1')] },
        { name: 'two', targets: [target('b1', 'eu-west-1')] },
      ],
    });

    // Act
    const result = await simulate(pipeline, {
      alarms: errorRateAlarms(),
      blockers: [{ kind: 'alarm', name: 'orders-errors-eu-west-1', region: 'eu-west-1', at: '0s' }],
    });

    // Assess
    expect(result.outcome).toBe('expired');
    expect(result.rollback?.triggeredBy).toBe('hold-expired');
    expect(result.waves.map((w) => [w.name, w.outcome])).toEqual([
      ['one', 'rolled_back'],
      ['two', 'not_started'],
    ]);
  });
});
