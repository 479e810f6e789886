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
