import { type PipelineInput, type ResolvedPipeline, resolvePipeline } from '../../src/core/pipeline.js';
import { EmbeddedEngine, type EngineOptions } from '../../src/local/engine.js';
import { errorRateAlarm, parseScenario, type ScenarioInput } from '../../src/local/scenario.js';
import { aliasRef } from '../../src/workflow/routing.js';

export const ACCOUNT = '123456789012';

export function target(id: string, region = 'us-east-1') {
  return { id, account: ACCOUNT, region, functionName: `fn-${id}`, alias: 'live' };
}

/** A small, fast pipeline: 10-minute one-box bakes, 2-minute health checks, 20-minute wave bakes. */
export function smallPipeline(overrides: Partial<PipelineInput> = {}): ResolvedPipeline {
  return resolvePipeline({
    name: 'orders',
    defaults: {
      concurrency: 2,
      oneBox: { weight: 10, bake: { duration: '10m', minDataPoints: 50 } },
      rolling: { weights: [50, 100], healthCheck: '2m' },
      bake: { duration: '20m', minDataPoints: 200 },
      alarms: { rollback: ['orders-errors-{target.region}'], oneBox: ['orders-onebox-{target.id}'] },
      pollInterval: '1m',
      inconclusiveTimeout: '30m',
    },
    waves: [
      { name: 'one', targets: [target('a1'), target('a2')] },
      { name: 'two', targets: [target('b1', 'eu-west-1'), target('b2', 'eu-west-1')] },
      { name: 'three', targets: [target('c1', 'ap-northeast-1')] },
    ],
    ...overrides,
  });
}

/** Healthy-by-default error-rate alarms named `<prefix>-errors-{target.region}` and `<prefix>-onebox-{target.id}`. */
export function errorRateAlarms(prefix = 'orders') {
  return {
    metric: [
      errorRateAlarm(`${prefix}-errors-{target.region}`, 'alias'),
      errorRateAlarm(`${prefix}-onebox-{target.id}`, 'new-version'),
    ],
    composite: [],
  };
}

/** Starts an engine on `pipeline` + `scenario`, with the candidate (v2) published on every target. */
export async function startEngine(
  pipeline: ResolvedPipeline,
  scenario: ScenarioInput = {},
  more: ResolvedPipeline[] = [],
  options: Pick<EngineOptions, 'deploymentMetrics'> = {},
) {
  const engine = await EmbeddedEngine.start({
    scenario: parseScenario({ start: '2026-11-23T09:00:00Z', alarms: errorRateAlarms(), ...scenario }),
    pipelines: [pipeline, ...more],
    ...options,
  });
  for (const t of pipeline.waves.flatMap((w) => w.targets)) {
    await engine.fleet.publishVersion(aliasRef(t), {
      code: { s3Bucket: 'b', s3Key: 'v2.zip' },
      description: 'v2',
    });
  }
  return engine;
}

/** Runs one deployment of version `version` to completion; returns the outcome and the record. */
export async function deploy(
  engine: EmbeddedEngine,
  pipeline: ResolvedPipeline,
  changeId = 'change-1',
  version = '2',
) {
  const { deploymentId, done } = engine.startDeployment({
    pipeline: pipeline.name,
    change: { id: changeId, version },
  });
  const outcome = await engine.drive(done);
  const view = await engine.io(() => engine.store.getDeploymentView(deploymentId));
  if (!view) throw new Error('no deployment record');
  return { outcome, view, deploymentId };
}
