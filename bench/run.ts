/*
 * `npm run bench`: how fast the embedded engine and the simulated fleet are on this machine.
 * Prints figures; never asserts on them (timings depend on the machine). docs/benchmarks.md
 * explains each figure and records a run.
 *
 *   (a) the demo: payments-api, 3 waves, 6 targets, rolled back in the last wave's one-box
 *   (b) a healthy 6-wave × 10-target pipeline with 4 h wave bakes, polled every minute
 *   (c) the fleet alone: 20 targets, 40 alarms, 4 virtual days, DescribeAlarms every minute
 *   (d) the process's peak resident memory
 *   (e) the max pipeline: 6 waves × N targets, 13 h wave bakes, for N = 1, 10, 40, 100, 200,
 *       each size in a child process (bench/max-pipeline.ts) so its peak RSS is its own
 *   (f) rollback timing: a fault in a one-box bake, a rolling health check or a wave bake, with
 *       alarm events delivered or lost: seconds from the alarm to traffic off the new version
 *   (g) the statistical one-box analysis: detection and false-rollback rates over 100 seeded runs
 *       each (bench/analysis.ts)
 *   (h) the Lambda bundles: code, on-demand and source map KB, and the CPU of a cold import
 *       (median of --import-runs N fresh processes, default 5) against the 250 KB / 100 ms budget
 *
 *   npm run bench                          # everything
 *   npm run bench -- --max-only            # (e) only
 *   npm run bench -- --sizes 1,10,40       # (e) at these sizes (also BENCH_SIZES=1,10,40)
 *   npm run bench -- --rollback-only       # (f) only
 *   npm run bench -- --analysis-only       # (g) only (also --runs N, default 100)
 *   npm run bench -- --bundles-only        # (h) only (also --import-runs N, default 5)
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import paymentsPipeline from '../examples/payments.pipeline.js';
import { type SimulationResult, simulate } from '../src/cli/simulate.js';
import { type PipelineInput, resolvePipeline } from '../src/core/pipeline.js';
import { FleetSimulator, type FleetTarget } from '../src/local/fleet/index.js';
import { parseScenario, type ScenarioInput } from '../src/local/scenario.js';
import { ANALYSIS_CASES, analysisTable, runAnalysisCase } from './analysis.js';
import { bundleTable, measureBundles } from './bundles.js';
import type { MaxPipelineFigures } from './max-pipeline.js';
import { ROLLBACK_CASES, type RollbackTiming, runRollbackCase } from './rollback-timing.js';

const MINUTE_MS = 60_000;

const DEMO_SCENARIO = fileURLToPath(
  new URL('../examples/scenarios/bad-one-box-in-world.scenario.json', import.meta.url),
);

interface SimulationFigures {
  readonly name: string;
  readonly outcome: string;
  /** Wall time of the whole call, engine start-up (local DynamoDB, ASL loading) included. */
  readonly wallSeconds: number;
  readonly virtualSeconds: number;
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly maxHistoryEvents: number;
  readonly executions: number;
  readonly estimatedCostUsd: number;
}

async function timeSimulation(
  name: string,
  run: () => Promise<SimulationResult>,
): Promise<SimulationFigures> {
  const started = performance.now();
  const result = await run();
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    name,
    outcome: result.outcome,
    wallSeconds,
    virtualSeconds: result.stats.virtualSeconds,
    stateTransitions: result.stats.stateTransitions,
    lambdaInvocations: result.stats.lambdaInvocations,
    maxHistoryEvents: result.stats.maxHistoryEvents,
    executions: result.stats.executions,
    estimatedCostUsd: result.stats.estimatedCostUsd.total,
  };
}

/** (a) The bundled demo story. */
function demo(): Promise<SimulationFigures> {
  const scenario = JSON.parse(readFileSync(DEMO_SCENARIO, 'utf8')) as ScenarioInput;
  return timeSimulation('demo (3 waves × 1-3 targets, rolled back)', () =>
    simulate(resolvePipeline(paymentsPipeline), scenario, { changeId: 'bench-demo' }),
  );
}

/**
 * (b) Six waves of ten targets (one region per wave, ten cells each), two batches of five per
 * wave, 4 h wave bakes: 36 h of virtual time when nothing fails. No scenario, so the candidate is
 * healthy and every alarm the pipeline names is an error-rate alarm.
 */
function sixByTenPipeline(): PipelineInput {
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2'];
  return {
    name: 'bench-six-by-ten',
    defaults: {
      concurrency: 5,
      oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 200 } },
      rolling: { weights: [33, 66, 100], healthCheck: '10m' },
      bake: { duration: '4h', minDataPoints: 5000 },
      alarms: { rollback: ['bench-errors-{target.region}'], oneBox: ['bench-onebox-errors-{target.id}'] },
      pollInterval: '1m',
      inconclusiveTimeout: '1h',
    },
    waves: regions.map((region, w) => ({
      name: `wave-${w + 1}`,
      targets: Array.from({ length: 10 }, (_, c) => ({
        id: `w${w + 1}-cell${c + 1}`,
        account: '111111111111',
        region,
        cell: `cell-${c + 1}`,
        functionName: `bench-api-cell-${c + 1}`,
        alias: 'live',
      })),
    })),
  };
}

function sixByTen(): Promise<SimulationFigures> {
  const pipeline = resolvePipeline(sixByTenPipeline());
  return timeSimulation('6 waves × 10 targets, 4h wave bakes', () =>
    simulate(pipeline, undefined, { changeId: 'bench-6x10' }),
  );
}

interface FleetFigures {
  readonly targets: number;
  readonly alarms: number;
  readonly virtualDays: number;
  readonly describeAlarmsCalls: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly alarmChanges: number;
}

/**
 * (c) The fleet simulator on its own, on a manual clock: 20 targets in 4 regions, an alias-scoped
 * and a new-version-scoped error-rate alarm per target (40 alarms), 10 % of traffic on a
 * candidate that fails 5 % of the time on two targets, and one DescribeAlarms per region every
 * virtual minute for 4 days — the read pattern of a long bake.
 */
async function fleetAlone(): Promise<FleetFigures> {
  const virtualDays = 4;
  const startMs = Date.parse('2026-11-23T09:00:00Z');
  let now = startMs;
  const clock = { nowMs: () => now };
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'];
  const targets: FleetTarget[] = Array.from({ length: 20 }, (_, i) => ({
    id: `t${i + 1}`,
    waveName: `wave-${(i % 4) + 1}`,
    account: '111111111111',
    region: regions[i % regions.length] as string,
    functionName: `bench-api-${i + 1}`,
    alias: 'live',
  }));
  const errorRate = (name: string, scope: 'alias' | 'new-version') => ({
    name,
    metric: 'ErrorRate' as const,
    scope,
    period: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 2,
    treatMissingData: 'notBreaching' as const,
  });
  const scenario = parseScenario({
    start: new Date(startMs).toISOString(),
    traffic: { requestsPerMinute: 600, diurnalSwing: 0.5 },
    alarms: {
      metric: [
        errorRate('errors-{target.id}', 'alias'),
        errorRate('onebox-errors-{target.id}', 'new-version'),
      ],
    },
    faults: [{ targets: ['t3', 't7'], at: '1d', kind: 'slow-burn', ramp: '2h', errorRate: 0.05 }],
  });
  let alarmChanges = 0;
  const fleet = new FleetSimulator({
    clock,
    scenario,
    targets,
    onAlarmChange: () => {
      alarmChanges++;
    },
  });
  for (const t of targets) {
    const published = await fleet.publishVersion(t, {
      code: { s3Bucket: 'builds', s3Key: `${t.functionName}/candidate.zip` },
      description: 'candidate',
    });
    const alias = await fleet.getAlias(t);
    await fleet.updateAlias(t, {
      functionVersion: alias.functionVersion,
      additional: { version: published.version, weight: 0.1 },
      revisionId: alias.revisionId,
    });
  }
  const namesByRegion = new Map<string, string[]>();
  for (const t of targets) {
    const names = namesByRegion.get(t.region) ?? [];
    names.push(`errors-${t.id}`, `onebox-errors-${t.id}`);
    namesByRegion.set(t.region, names);
  }

  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  let describeAlarmsCalls = 0;
  for (let minute = 1; minute <= virtualDays * 24 * 60; minute++) {
    now = startMs + minute * MINUTE_MS;
    for (const [region, names] of namesByRegion) {
      await fleet.describeAlarms({ account: '111111111111', region }, names);
      describeAlarmsCalls++;
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    targets: targets.length,
    alarms: [...namesByRegion.values()].reduce((n, names) => n + names.length, 0),
    virtualDays,
    describeAlarmsCalls,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - wallBefore,
    alarmChanges,
  };
}

// --- output ------------------------------------------------------------------------------------

function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const fixed = (n: number, digits: number) => n.toFixed(digits);
const count = (n: number) => n.toLocaleString('en-US');

function simulationTable(results: readonly SimulationFigures[]): string {
  const rows = [
    [
      'simulation',
      'outcome',
      'wall s',
      'virtual s',
      'virtual h / wall s',
      'state transitions',
      'Lambda invocations',
      'max history events',
      'executions',
      'est. cost USD',
    ],
  ];
  for (const r of results) {
    rows.push([
      r.name,
      r.outcome,
      fixed(r.wallSeconds, 2),
      count(r.virtualSeconds),
      fixed(r.virtualSeconds / 3600 / r.wallSeconds, 1),
      count(r.stateTransitions),
      count(r.lambdaInvocations),
      count(r.maxHistoryEvents),
      count(r.executions),
      fixed(r.estimatedCostUsd, 4),
    ]);
  }
  return table(rows);
}

function fleetTable(f: FleetFigures): string {
  return table([
    ['fleet alone', 'value'],
    ['targets', count(f.targets)],
    ['alarms', count(f.alarms)],
    ['virtual days', count(f.virtualDays)],
    ['DescribeAlarms calls (one per region per virtual minute)', count(f.describeAlarmsCalls)],
    ['alarm state changes', count(f.alarmChanges)],
    ['CPU ms', fixed(f.cpuMs, 0)],
    ['wall ms', fixed(f.wallMs, 0)],
    ['CPU µs per DescribeAlarms call', fixed((f.cpuMs * 1000) / f.describeAlarmsCalls, 1)],
  ]);
}

// --- (e) the max pipeline, one child process per size ----------------------------------------

const MAX_PIPELINE_SIZES = [1, 10, 40, 100, 200];
const MAX_PIPELINE_CHILD = fileURLToPath(new URL('./max-pipeline.ts', import.meta.url));

/** Runs one size in a child process and reads its one line of JSON. */
async function maxPipelineInChild(size: number): Promise<MaxPipelineFigures> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', MAX_PIPELINE_CHILD, String(size)],
    {
      maxBuffer: 16 * 1024 * 1024,
      env: process.env,
    },
  );
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as MaxPipelineFigures;
}

const MAX_PIPELINE_HEADER = [
  'targets / wave',
  'outcome',
  'max history events',
  'state transitions',
  'est. cost USD',
  'peak DescribeAlarms/s per region',
  'virtual h',
  'wall s',
  'peak RSS MB',
];

function maxPipelineRow(f: MaxPipelineFigures): string[] {
  const peaks = f.peakDescribeAlarmsPerSecond.map((p) => `${p.region} ${p.calls}`).join(', ');
  return [
    count(f.targetsPerWave),
    f.outcome,
    count(f.maxHistoryEvents),
    count(f.stateTransitions),
    fixed(f.estimatedCostUsd, 4),
    peaks || '-',
    fixed(f.virtualSeconds / 3600, 1),
    fixed(f.wallSeconds, 1),
    fixed(f.peakRssMb, 0),
  ];
}

/** The cost items and call counts behind each size's estimate. */
function maxPipelineCostTable(results: readonly MaxPipelineFigures[]): string {
  const rows = [
    [
      'targets / wave',
      'DescribeAlarms',
      'GetMetricData metrics',
      'DynamoDB RRU',
      'DynamoDB WRU',
      'Lambda invocations',
      'USD SFN',
      'USD CW',
      'USD Lambda',
      'USD DynamoDB',
      'USD EventBridge',
    ],
  ];
  for (const f of results) {
    const c = f.costItems;
    rows.push([
      count(f.targetsPerWave),
      count(f.awsCalls.describeAlarms ?? 0),
      count(f.awsCalls.getMetricDataMetrics ?? 0),
      count(f.awsCalls.dynamodbReadUnits ?? 0),
      count(f.awsCalls.dynamodbWriteUnits ?? 0),
      count(f.awsCalls.lambdaInvocations ?? 0),
      fixed(c.stateTransitions ?? 0, 4),
      fixed((c.getMetricData ?? 0) + (c.describeAlarms ?? 0), 4),
      fixed(c.lambda ?? 0, 4),
      fixed(c.dynamodb ?? 0, 4),
      fixed(c.eventBridge ?? 0, 4),
    ]);
  }
  return table(rows);
}

// --- (f) rollback timing --------------------------------------------------------------------------

const secondsCell = (s: number | null | undefined) => (s === null || s === undefined ? 'n/a' : fixed(s, 0));

function rollbackTable(results: readonly RollbackTiming[]): string {
  const rows = [
    [
      'fault during',
      'alarm events',
      'outcome',
      'caught in',
      'caught by',
      'fault → alarm s',
      'alarm → detected s',
      'alarm → traffic off s',
      'fault → traffic off s',
    ],
  ];
  for (const r of results) {
    if (r.error !== undefined) {
      rows.push([r.case, r.alarmEvents, `not run: ${r.error.split('\n')[0]}`, '', '', '', '', '', '']);
      continue;
    }
    rows.push([
      r.case,
      r.alarmEvents,
      r.outcome ?? '-',
      r.caughtIn ?? '-',
      r.caughtBy ?? '-',
      secondsCell(r.faultToAlarmSeconds),
      secondsCell(r.alarmToDetectedSeconds),
      secondsCell(r.alarmToTrafficOffSeconds),
      secondsCell(r.faultToTrafficOffSeconds),
    ]);
  }
  return table(rows);
}

// --- main -------------------------------------------------------------------------------------

interface BenchOptions {
  readonly basic: boolean;
  readonly max: boolean;
  readonly rollback: boolean;
  readonly analysis: boolean;
  readonly analysisRuns: number;
  readonly bundles: boolean;
  readonly importRuns: number;
  readonly sizes: readonly number[];
}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  let sizesText = env.BENCH_SIZES;
  let only: 'max' | 'rollback' | 'analysis' | 'bundles' | undefined;
  let runs = 100;
  let importRuns = 5;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--max-only') only = 'max';
    else if (arg === '--rollback-only') only = 'rollback';
    else if (arg === '--analysis-only') only = 'analysis';
    else if (arg === '--bundles-only') only = 'bundles';
    else if (arg === '--import-runs') {
      importRuns = Number(argv[++i]);
      if (!Number.isInteger(importRuns) || importRuns < 1)
        throw new Error(`--import-runs: expected a whole number ≥ 1, got ${argv[i]}`);
    } else if (arg === '--runs') {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1)
        throw new Error(`--runs: expected a whole number ≥ 1, got ${argv[i]}`);
    } else if (arg === '--sizes') sizesText = argv[++i];
    else if (arg.startsWith('--sizes=')) sizesText = arg.slice('--sizes='.length);
    else
      throw new Error(
        `unknown argument ${JSON.stringify(arg)}: expected --max-only, --rollback-only, --analysis-only, --bundles-only, --runs N, --import-runs N or --sizes 1,10,40`,
      );
  }
  const sizes =
    sizesText === undefined
      ? MAX_PIPELINE_SIZES
      : sizesText.split(',').map((s) => {
          const n = Number(s.trim());
          if (!Number.isInteger(n) || n < 1 || n > 200)
            throw new Error(`--sizes: expected targets per wave from 1 to 200, got ${JSON.stringify(s)}`);
          return n;
        });
  // Naming sizes asks for the max pipeline; the rest runs only when nothing narrows the run.
  const narrowed = only !== undefined || sizesText !== undefined;
  return {
    basic: !narrowed,
    max: only === undefined || only === 'max',
    bundles: only === 'bundles' || !narrowed,
    importRuns,
    rollback: only === 'rollback' || !narrowed,
    analysis: only === 'analysis' || !narrowed,
    analysisRuns: runs,
    sizes,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2), process.env);
  const write = (line = '') => process.stdout.write(`${line}\n`);
  write(`Breakwater bench — Node ${process.version}, ${process.platform}/${process.arch}`);
  write();
  if (options.basic) {
    const simulations = [await demo(), await sixByTen()];
    write(simulationTable(simulations));
    write();
    write(fleetTable(await fleetAlone()));
    write();
    // maxRSS is in kilobytes.
    write(`peak RSS of this process: ${fixed(process.resourceUsage().maxRSS / 1024, 0)} MB`);
    write();
  }
  if (options.max) {
    write('max pipeline: 6 waves × N targets, concurrency min(N, 40), one-box 10 % 1h, rolling 33/66/100,');
    write('13h wave bakes, default safety poll; one child process per size');
    const results: MaxPipelineFigures[] = [];
    for (const size of options.sizes) {
      const started = performance.now();
      results.push(await maxPipelineInChild(size));
      // Progress on stderr: the biggest sizes take minutes.
      process.stderr.write(`  N=${size} done in ${fixed((performance.now() - started) / 1000, 0)} s\n`);
    }
    write(table([MAX_PIPELINE_HEADER, ...results.map(maxPipelineRow)]));
    write();
    write(maxPipelineCostTable(results));
    write();
  }
  if (options.rollback) {
    write("rollback timing: 3 waves × 2 targets; a sudden 50 % error rate on wave 1's candidate");
    const results: RollbackTiming[] = [];
    for (const c of ROLLBACK_CASES) {
      for (const mode of ['delivered', 'lost'] as const) results.push(await runRollbackCase(c, mode));
    }
    write(rollbackTable(results));
    write();
  }
  if (options.analysis) {
    const results = [];
    for (const c of ANALYSIS_CASES) {
      results.push(
        await runAnalysisCase(c, options.analysisRuns, (done) => {
          if (done % 20 === 0) process.stderr.write(`  ${c.name}: ${done}/${options.analysisRuns}\n`);
        }),
      );
    }
    write(analysisTable(results));
    write();
  }
  if (options.bundles) {
    write('Lambda bundles: cdk synth, then a cold import of each bundle in a fresh process');
    const { bundles, floors } = await measureBundles(options.importRuns);
    write(bundleTable(bundles, options.importRuns, floors));
    write();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exitCode = 1;
});
