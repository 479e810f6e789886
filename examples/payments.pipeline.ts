import { definePipeline, type PipelineInput } from '../src/core/pipeline.js';

/*
 * A team's shared base: every pipeline of the team bakes, polls and alarms the same way. A
 * pipeline spreads it and adds its waves; a wave overrides what it must (earlier waves bake longer).
 */
export const teamDefaults = {
  source: { type: 'github', owner: 'example', repo: 'payments-api', branch: 'main' },
  artifact: { type: 'versions' },
  defaults: {
    concurrency: 2,
    oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 200 } },
    rolling: { weights: [33, 66, 100], healthCheck: '10m' },
    bake: { duration: '1h', minDataPoints: 1000 },
    alarms: { rollback: ['payments-errors-{target.region}'], oneBox: ['payments-onebox-errors-{target.id}'] },
    inconclusiveTimeout: '1h',
  },
} satisfies Partial<PipelineInput>;

const target = (id: string, region: string, cell?: string) => ({
  id,
  account: '111111111111',
  region,
  ...(cell ? { cell } : {}),
  functionName: cell ? `payments-api-${cell}` : 'payments-api',
  alias: 'live',
});

export default definePipeline({
  ...teamDefaults,
  name: 'payments-api',
  description: 'Payments API: a canary region, then Europe, then the rest of the world.',
  waves: [
    {
      name: 'canary',
      targets: [target('use1-cell1', 'us-east-1', 'cell-1')],
      bake: { duration: '2h', minDataPoints: 2000 },
    },
    {
      name: 'europe',
      targets: [target('euw1', 'eu-west-1'), target('euc1', 'eu-central-1')],
      bake: { duration: '90m', minDataPoints: 1500 },
    },
    {
      name: 'world',
      targets: [
        target('use1-cell2', 'us-east-1', 'cell-2'),
        target('usw2', 'us-west-2'),
        target('apne1', 'ap-northeast-1'),
      ],
      concurrency: 3,
    },
  ],
});
