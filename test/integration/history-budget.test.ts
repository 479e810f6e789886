import { afterAll, describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/core/pipeline.js';
import { estimateHistoryEvents } from '../../src/core/rollout.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { ACCOUNT, deploy, errorRateAlarms, startEngine } from '../support/fixtures.js';

/** Step Functions Standard fails an execution at 25,000 history events. */
const AWS_HISTORY_LIMIT = 25_000;
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2'];

// The largest rollout the issue asks to fit: 6 waves x 40 targets, 13 h of wave bake each,
// polled every 60 s, plus a one-box bake and three rolling health checks per batch.
const pipeline = resolvePipeline({
  name: 'global',
  defaults: {
    concurrency: 10,
    oneBox: { weight: 5, bake: { duration: '1h', minDataPoints: 100 } },
    rolling: { weights: [25, 50, 100], healthCheck: '10m' },
    bake: { duration: '13h', minDataPoints: 1000 },
    alarms: { rollback: ['global-errors-{target.region}'], oneBox: ['global-onebox-{target.id}'] },
    pollInterval: '1m',
    inconclusiveTimeout: '1h',
  },
  waves: REGIONS.map((region, w) => ({
    name: `wave-${w + 1}`,
    targets: Array.from({ length: 40 }, (_, i) => ({
      id: `w${w + 1}-t${i + 1}`,
      account: ACCOUNT,
      region,
      functionName: `svc-cell${i + 1}`,
      alias: 'live',
    })),
  })),
});

let engine: EmbeddedEngine | undefined;
afterAll(async () => engine?.close());

describe('execution history budget', () => {
  it('keeps every execution of a 6-wave x 40-target rollout with 13 h bakes under 25,000 events', async () => {
    engine = await startEngine(pipeline, { alarms: errorRateAlarms('global') });
    const { outcome } = await deploy(engine, pipeline);

    expect(outcome.status).toBe('SUCCEEDED');
    const worst = engine.stepFunctions.executions.reduce((a, b) =>
      b.historyEvents > a.historyEvents ? b : a,
    );
    console.info(
      `history budget: worst execution ${worst.machine} ${worst.historyEvents} events; ` +
        `${engine.stepFunctions.executions.length} executions, ${engine.stats().stateTransitions} transitions, ` +
        `${engine.stats().virtualSeconds / 3600} virtual hours in ${engine.stats().wallSeconds}s`,
    );
    expect(worst.historyEvents).toBeLessThan(AWS_HISTORY_LIMIT);
    // the plan's estimate is an upper bound of what the engine counted
    const estimate = estimateHistoryEvents(pipeline.waves[0]!);
    expect(Math.max(estimate.wave, estimate.batch)).toBeGreaterThanOrEqual(worst.historyEvents);
  }, 600_000);
});
