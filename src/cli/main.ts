process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { resolvePipeline } from '../core/pipeline.js';
import { planRollout } from '../core/rollout.js';
import { defaultScenarioFor, type ScenarioInput } from '../local/scenario.js';
import { ApiRequestError, ApiUnreachableError, inFlagTerms, registerClientCommands } from './client.js';
import { paletteFor } from './colour.js';
import { runDemo } from './demo.js';
import { loadDocument } from './load.js';
import { registerMetricsCommand } from './metrics.js';
import { renderPlan } from './plan-table.js';
import { liveProgress } from './progress.js';
import { predictPipelineSchedule, renderSchedule } from './schedule.js';
import { jsonSchemas } from './schemas.js';
import { registerServeCommand } from './serve.js';
import { renderSummary, simulate } from './simulate.js';

/**
 * Exit codes: 0 succeeded, 3 rolled back, 2 invalid input (a usage error: unknown command or
 * option, missing argument, bad value, or input the API refused with 400), 1 internal error or failed.
 */
export const EXIT = { ok: 0, internal: 1, invalid: 2, rolledBack: 3 } as const;

// src/cli/ in a clone, dist/src/cli/ once installed: package.json is two or three levels up.
const VERSION = (
  JSON.parse(
    readFileSync(
      ['../../package.json', '../../../package.json']
        .map((path) => new URL(path, import.meta.url))
        .find((url) => existsSync(url))!,
      'utf8',
    ),
  ) as { version: string }
).version;

const errColours = paletteFor(process.stderr);

/** The command that runs (`start`, `trigger codecommit`), for naming its flags in errors. */
let running = '';

function fail(error: unknown): never {
  // Commander has printed its own message (unknown command or option, missing argument, bad value).
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.invalid);
  const translated = inFlagTerms(running, error);
  if (translated instanceof InvalidInputError) {
    process.stderr.write(`${errColours.red('error:')} ${translated.message}\n`);
    process.exit(EXIT.invalid);
  }
  if (translated instanceof ApiRequestError || translated instanceof ApiUnreachableError) {
    process.stderr.write(`${errColours.red('error:')} ${translated.message}\n`);
    process.exit(EXIT.internal);
  }
  process.stderr.write(
    `${errColours.red('internal error:')} ${(translated as Error)?.stack ?? String(translated)}\n`,
  );
  process.exit(EXIT.internal);
}

/** `--max-days`: a positive number, or a usage error naming the value. */
function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isFinite(days) || days <= 0) {
    throw new InvalidArgumentError(`expected a positive number of days, got ${JSON.stringify(value)}.`);
  }
  return days;
}

async function loadPipeline(file: string) {
  return resolvePipeline(await loadDocument(file, 'pipeline'));
}

const program = new Command('breakwater')
  .description(
    'Safe, hands-off deployments on AWS: waves, one-box, rolling weights, bake with data points, alarm rollback.',
  )
  .version(VERSION, '-V, --version', 'print the version')
  // Program options only before the command: `start --version 7` is start's own flag.
  .enablePositionalOptions()
  // Usage errors throw (and exit 2 in fail) instead of exiting 1; set before any command is added.
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(errColours.red(text)) })
  .showHelpAfterError()
  .hook('preAction', (_program, action) => {
    const names: string[] = [];
    for (let c: Command | null = action; c?.parent; c = c.parent) names.unshift(c.name());
    running = names.join(' ');
  });

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
    new Option('--max-days <n>', 'give up after this many virtual days').default(60).argParser(parseDays),
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
      // Live lines and (on a terminal) the progress bar, unless the output is one JSON document.
      const live = opts.json
        ? undefined
        : liveProgress(
            pipeline,
            planRollout(pipeline).totalLeadTimeSeconds,
            out,
            process.stderr.isTTY ? process.stderr : undefined,
          );
      let result: Awaited<ReturnType<typeof simulate>>;
      try {
        result = await simulate(pipeline, scenario as never, {
          changeId: opts.change,
          maxVirtualDays: opts.maxDays,
          ...(live ? { onEvent: live.onEvent, onBake: live.onBake } : {}),
        });
      } finally {
        live?.finish();
      }
      if (opts.json) {
        const { timeline: _timeline, ...doc } = result;
        out(JSON.stringify(doc, null, 2));
      } else out(renderSummary(result, paletteFor(process.stdout)));
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
    process.exitCode = await runDemo((line) => process.stdout.write(`${line}\n`), {
      ...(process.stderr.isTTY ? { terminal: process.stderr } : {}),
      palette: paletteFor(process.stdout),
    });
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

// `breakwater simulate ... | head`: a reader that went away is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  throw error;
});

program.parseAsync(process.argv).catch(fail);
