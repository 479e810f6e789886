import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pipelineInput from '../../examples/payments.pipeline.js';
import { resolvePipeline } from '../core/pipeline.js';
import { bakePrinter, progressPrinter } from './progress.js';
import { renderSummary, simulate } from './simulate.js';

const SCENARIO = fileURLToPath(
  new URL('../../examples/scenarios/bad-one-box-in-world.scenario.json', import.meta.url),
);

/**
 * The bundled story: payments-api goes out through canary and europe, then the candidate starts
 * failing in the world wave's one-box in us-west-2; the one-box alarm fires and every target goes
 * back to the previous version. Returns the exit code (3: rolled back, as expected).
 */
export async function runDemo(write: (line: string) => void): Promise<number> {
  const pipeline = resolvePipeline(pipelineInput);
  const scenario = JSON.parse(readFileSync(SCENARIO, 'utf8')) as Record<string, unknown>;
  write(
    `Breakwater demo: deploying change "v2-checkout" of ${pipeline.name} through ${pipeline.waves.length} waves, ${pipeline.waves.reduce((n, w) => n + w.targets.length, 0)} targets.`,
  );
  write(
    'Embedded engine: the real Step Functions definitions, step Lambdas in-process, local DynamoDB, a simulated fleet on a virtual clock.\n',
  );
  const result = await simulate(pipeline, scenario as never, {
    changeId: 'v2-checkout',
    onEvent: progressPrinter(write),
    onBake: bakePrinter(write),
  });
  write(renderSummary(result));
  return result.outcome === 'succeeded' ? 0 : result.outcome === 'rolled_back' ? 3 : 1;
}
