import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/cli/simulate.js';
import type { ScenarioInput } from '../../src/local/scenario.js';
import { errorRateAlarms, smallPipeline, target } from '../support/fixtures.js';

/*
 * The statistical one-box analysis on the embedded engine: both versions serve at once during the
 * one-box, the simulated minutes carry seeded noise, and the analysis judges the new version's
 * errors and latency against the previous version's in the same target.
 */

const pipeline = smallPipeline({
  waves: [
    {
      name: 'one',
      targets: [target('a1')],
      oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 50 } },
      // The aggregate alarm only: a one-box alarm at 2 % would catch 1 % by chance on 60 requests a minute.
      alarms: { rollback: ['orders-errors-{target.region}'] },
      analysis: {
        metrics: ['errorRate', 'latencyP99'],
        maxRelativeIncrease: 0.5,
        confidence: 0.95,
        minSamples: 10,
      },
    },
  ],
});

const world = (candidate: ScenarioInput['candidate'], seed = 7): ScenarioInput => ({
  seed,
  alarms: errorRateAlarms(), // threshold 2 %: neither candidate below comes near it
  noise: {},
  traffic: { requestsPerMinute: 600 },
  baseline: { errorRate: 0.001, latencyMs: 100, throttleRate: 0 },
  candidate,
});

describe('statistical one-box analysis', () => {
  it('rolls back a candidate with 10x the error rate although every alarm stays OK, with the figures', async () => {
    // Act
    const result = await simulate(pipeline, world({ errorRate: 0.01, latencyMs: 100, throttleRate: 0 }));

    // Assess
    expect(result.outcome).toBe('rolled_back');
    expect(result.rollback?.alarm).toBeNull();
    expect(result.rollback?.reason).toMatch(/one-box analysis: a1: error rate [\d.]+% vs [\d.]+%/);
    const a1 = result.waves[0]!.targets[0]!;
    expect(a1.analysis).toEqual([expect.objectContaining({ verdict: 'fail', step: 0 })]);
    expect(a1.finalWeight).toBe(0);
  });

  it('rolls back a candidate whose p99 latency doubled', async () => {
    // Act
    const result = await simulate(pipeline, world({ errorRate: 0.001, latencyMs: 200, throttleRate: 0 }));

    // Assess
    expect(result.outcome).toBe('rolled_back');
    expect(result.rollback?.reason).toMatch(/one-box analysis: a1: .*p99/);
  });

  it('lets a candidate equal to its baseline through, with a pass or marginal verdict recorded', async () => {
    // Act
    const result = await simulate(pipeline, world({ errorRate: 0.001, latencyMs: 100, throttleRate: 0 }));

    // Assess
    expect(result.outcome).toBe('succeeded');
    // judged in the one-box and again in the 50 % health check, each step's verdict kept
    const steps = result.waves[0]!.targets[0]!.analysis ?? [];
    expect(steps.map((a) => a.step)).toEqual([0, 1]);
    for (const a of steps) expect(['pass', 'marginal']).toContain(a.verdict);
    expect(result.timeline.some((e) => e.type === 'analysis-verdict')).toBe(true);
  });

  it('rolls back a candidate that stops serving while the previous version still does', async () => {
    // Act: every request to the new version is throttled, so it has no invocations at all
    const result = await simulate(pipeline, world({ errorRate: 0.001, latencyMs: 100, throttleRate: 1 }));

    // Assess
    expect(result.outcome).toBe('rolled_back');
    expect(result.rollback?.reason).toMatch(
      /one-box analysis: a1: requests: the new version served no invocation/,
    );
  });
});
