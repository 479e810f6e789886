process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { resolvePipeline } from '../core/pipeline.js';
import { planRollout } from '../core/rollout.js';
import { defaultScenarioFor, type ScenarioInput } from '../local/scenario.js';
import { ApiRequestError, ApiUnreachableError, registerClientCommands } from './client.js';
import { runDemo } from './demo.js';
import { loadDocument } from './load.js';
import { registerMetricsCommand } from './metrics.js';
import { renderPlan } from './plan-table.js';
import { bakePrinter, progressPrinter } from './progress.js';
import { predictPipelineSchedule, renderSchedule } from './schedule.js';
import { jsonSchemas } from './schemas.js';
import { registerServeCommand } from './serve.js';
import { renderSummary, simulate } from './simulate.js';

/** Exit codes: 0 succeeded, 3 rolled back, 2 invalid input, 1 internal error or failed. */
export const EXIT = { ok: 0, internal: 1, invalid: 2, rolledBack: 3 } as const;

function fail(error: unknown): never {
  if (error instanceof InvalidInputError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(EXIT.invalid);
  }
  if (error instanceof ApiRequestError || error instanceof ApiUnreachableError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(EXIT.internal);
  }
  process.stderr.write(`internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(EXIT.internal);
}

async function loadPipeline(file: string) {
  return resolvePipeline(await loadDocument(file, 'pipeline'));
}

const program = new Command('breakwater')
  .description(
    'Safe, hands-off deployments on AWS: waves, one-box, rolling weights, bake with data points, alarm rollback.',
  )
  .showHelpAfterError();

program
  .command('validate <pipeline>')
  .description('Check a pipeline file (.json or .ts); every problem is listed with its path.')
  .action(async (file: string) => {
    const p = await loadPipeline(file);
    const targets = p.waves.reduce((n, w) => n + w.targets.length, 0);
    process.stdout.write(
      `${file}: pipeline ${p.name} is valid (${p.waves.length} waves, ${targets} targets)\n`,
    );
  });

program
  .command('plan <pipeline>')
  .description('Show the rollout: waves, targets, steps, bakes and total lead time.')
  .option('--json', 'print the plan as JSON')
  .option(
    '--from <iso>',
    'predict when each wave starts and ends from this time, given bakes, windows and holidays',
  )
  .action(async (file: string, opts: { json?: boolean; from?: string }) => {
    const pipeline = await loadPipeline(file);
    if (opts.from) {
      const schedule = predictPipelineSchedule(pipeline, opts.from);
      process.stdout.write(
        opts.json ? `${JSON.stringify(schedule, null, 2)}\n` : `${renderSchedule(schedule)}\n`,
      );
      return;
    }
    const plan = planRollout(pipeline);
    process.stdout.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : `${renderPlan(plan)}\n`);
  });

program
  .command('simulate <pipeline>')
  .description('Run one deployment of the pipeline on the embedded engine (virtual time, simulated fleet).')
  .option(
    '--scenario <file>',
    'the world to simulate (traffic, behaviour, alarms, faults); default: a healthy candidate',
  )
  .option('--change <id>', 'change id to deploy', 'candidate')
  .option('--json', 'print one JSON document with the outcome instead of live progress')
  .option(
    '--organisation-alarms <names>',
    "organisation-wide blocker alarms, comma-separated (added to the scenario's organisationAlarms)",
  )
  .addOption(
    new Option('--max-days <n>', 'give up after this many virtual days').default('60').argParser(Number),
  )
  .action(
    async (
      file: string,
      opts: {
        scenario?: string;
        change: string;
        json?: boolean;
        maxDays: number;
        organisationAlarms?: string;
      },
    ) => {
      const pipeline = await loadPipeline(file);
      const loaded = opts.scenario ? await loadDocument(opts.scenario, 'scenario') : undefined;
      const extra = (opts.organisationAlarms ?? '')
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '');
      const base = (loaded ?? (extra.length > 0 ? defaultScenarioFor([pipeline]) : undefined)) as
        | ScenarioInput
        | undefined;
      const scenario =
        base && extra.length > 0
          ? { ...base, organisationAlarms: [...(base.organisationAlarms ?? []), ...extra] }
          : base;
      const out = (line: string) => process.stdout.write(`${line}\n`);
      if (!opts.json)
        out(`Simulating ${pipeline.name}: ${pipeline.waves.length} waves, change ${opts.change}`);
      const result = await simulate(pipeline, scenario as never, {
        changeId: opts.change,
        maxVirtualDays: opts.maxDays,
        ...(opts.json ? {} : { onEvent: progressPrinter(out), onBake: bakePrinter(out) }),
      });
      if (opts.json) {
        const { timeline: _timeline, ...doc } = result;
        out(JSON.stringify(doc, null, 2));
      } else out(renderSummary(result));
      // Expired: held past maxHold, everything it moved went back, like a rollback.
      process.exitCode =
        result.outcome === 'succeeded' || result.outcome === 'superseded'
          ? EXIT.ok
          : result.outcome === 'rolled_back' || result.outcome === 'expired'
            ? EXIT.rolledBack
            : EXIT.internal;
    },
  );

program
  .command('demo')
  .description('The bundled example: 3 waves, 6 targets; the candidate goes bad in the last wave’s one-box.')
  .action(async () => {
    process.exitCode = await runDemo((line) => process.stdout.write(`${line}\n`));
  });

program
  .command('schema')
  .description('Write the JSON Schemas of the formats users write (pipeline, scenario, start request).')
  .option('--write <dir>', 'folder to write into', 'docs/schema')
  .action((opts: { write: string }) => {
    mkdirSync(opts.write, { recursive: true });
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      writeFileSync(join(opts.write, name), `${JSON.stringify(schema, null, 2)}\n`);
      process.stdout.write(`wrote ${join(opts.write, name)}\n`);
    }
  });

registerServeCommand(program);
registerClientCommands(program);
registerMetricsCommand(program);

program.parseAsync(process.argv).catch(fail);
