import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pipelineInput from '../../examples/payments.pipeline.js';
import { resolvePipeline } from '../core/pipeline.js';
import { planRollout } from '../core/rollout.js';
import type { Palette } from './colour.js';
import { type BarTerminal, liveProgress } from './progress.js';
import { renderSummary, simulate } from './simulate.js';

const SCENARIO = fileURLToPath(
  new URL('../../examples/scenarios/bad-one-box-in-world.scenario.json', import.meta.url),
);

/**
 * The bundled story: payments-api goes out through canary and europe, then the candidate starts
 * failing in the world wave's one-box in us-west-2; the one-box alarm fires and every target goes
 * back to the previous version. Returns the exit code (3: rolled back, as expected). Given a
 * `terminal` (stderr on a TTY), a progress bar shows virtual time, the wave and its bake there.
 */
export async function runDemo(
  write: (line: string) => void,
  options: { readonly terminal?: BarTerminal; readonly palette?: Palette } = {},
): Promise<number> {
  const pipeline = resolvePipeline(pipelineInput);
  const scenario = JSON.parse(readFileSync(SCENARIO, 'utf8')) as Record<string, unknown>;
  write(
    `Breakwater demo: deploying change "v2-checkout" of ${pipeline.name} through ${pipeline.waves.length} waves, ${pipeline.waves.reduce((n, w) => n + w.targets.length, 0)} targets.`,
  );
  write(
    'Embedded engine: the real Step Functions definitions, step Lambdas in-process, local DynamoDB, a simulated fleet on a virtual clock.\n',
  );
  const live = liveProgress(pipeline, planRollout(pipeline).totalLeadTimeSeconds, write, options.terminal);
  let result: Awaited<ReturnType<typeof simulate>>;
  try {
    result = await simulate(pipeline, scenario as never, {
      changeId: 'v2-checkout',
      onEvent: live.onEvent,
      onBake: live.onBake,
    });
  } finally {
    live.finish();
  }
  write(renderSummary(result, options.palette));
  return result.outcome === 'succeeded' ? 0 : result.outcome === 'rolled_back' ? 3 : 1;
}
