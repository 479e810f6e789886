import { definePipeline } from '../src/core/pipeline.js';

/*
 * Orders API: two test stages (beta, gamma) with their integration and canary tests as hooks,
 * then production — a canary cell whose one-box is also judged statistically against the
 * previous version, then the world one cell per region per step, all regions in parallel.
 */

const PROD = '111111111111';
const TEST = '333333333333';

const cell = (region: string, n: number) => ({
  id: `${region}-cell${n}`,
  account: PROD,
  region,
  cell: `cell-${n}`,
  functionName: `orders-api-cell-${n}`,
  alias: 'live',
});
const stage = (name: string) => ({
  id: name,
  account: TEST,
  region: 'us-east-1',
  functionName: `orders-api-${name}`,
  alias: 'live',
});

/** A short bake: test stages prove the change works, production proves it is safe. */
const quick = {
  oneBox: { weight: 50, bake: { duration: '10m', minDataPoints: 50 } },
  rolling: { weights: [100], healthCheck: '5m' },
  bake: { duration: '20m', minDataPoints: 100 },
};

export default definePipeline({
  name: 'orders-api',
  description: 'Orders API: beta and gamma test stages, a canary cell, then one cell per region per step.',
  source: { type: 'github', owner: 'example', repo: 'orders-api', branch: 'main' },
  defaults: {
    concurrency: 3,
    oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 200 } },
    rolling: { weights: [50, 100], healthCheck: '10m' },
    bake: { duration: '1h', minDataPoints: 1000 },
    alarms: { rollback: ['orders-errors-{target.region}'], oneBox: ['orders-onebox-errors-{target.id}'] },
  },
  waves: [
    {
      name: 'beta',
      stage: 'pre-production',
      targets: [stage('beta')],
      ...quick,
      hooks: [
        { name: 'integration', function: 'orders-integration-tests', at: 'afterTraffic', timeout: '10m' },
      ],
    },
    {
      name: 'gamma',
      stage: 'pre-production',
      targets: [stage('gamma')],
      ...quick,
      hooks: [
        { name: 'contract', function: 'orders-contract-tests', at: 'beforeTraffic', timeout: '2m' },
        { name: 'canary', function: 'orders-canary-tests', at: 'afterOneBox', timeout: '5m' },
      ],
    },
    {
      name: 'canary',
      targets: [cell('us-east-1', 1)],
      bake: { duration: '2h', minDataPoints: 2000 },
      // The new version against the previous one, minute by minute, while both serve.
      analysis: {
        metrics: ['errorRate', 'latencyP99'],
        maxRelativeIncrease: 0.5,
        confidence: 0.95,
        minSamples: 10,
      },
      hooks: [{ name: 'smoke', function: 'orders-smoke-tests', at: 'afterTraffic' }],
    },
    {
      name: 'world',
      batching: 'per-region',
      // 3 regions × 3 cells: [us-east-1-cell2 eu-west-1-cell2 ap-northeast-1-cell2], then cell3, then cell4.
      targets: ['us-east-1', 'eu-west-1', 'ap-northeast-1'].flatMap((region) =>
        [2, 3, 4].map((n) => cell(region, n)),
      ),
      analysis: {},
    },
  ],
});
