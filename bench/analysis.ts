/*
 * The statistical one-box analysis, measured: for each case, `runs` seeded simulations of one
 * target's one-box (10 % of 600 requests a minute, a 30-minute bake, metric noise on), with only
 * the aggregate alarm watching (2 % errors: none of the candidates comes near it), and the wave's
 * analysis at its defaults (errorRate and latencyP99, +50 % allowed, 95 % confidence, 10 minutes).
 *
 *   - 10× errors: the candidate fails 1 % of requests, the baseline 0.1 %: must be rolled back
 *     in ≥ 95 % of runs;
 *   - equal: the candidate is the baseline, with the same noise: rolled back in ≤ 5 %;
 *   - 2× p99: the candidate's latency (and so its p99) is twice the baseline's: caught in ≥ 90 %.
 *
 *   - equal, 9 targets (3 regions × 3 cells, one cell per region per batch): the false-rollback
 *     rate of a whole deployment, judged in 3 batches.
 *
 * Prints the rates and the median time from the one-box's start to the rollback.
 *   node --import tsx bench/analysis.ts [--runs 100] [--only "9 targets"]
 */
import { simulate } from '../src/cli/simulate.js';
import { resolvePipeline } from '../src/core/pipeline.js';
import type { ScenarioInput } from '../src/local/scenario.js';

const target = (id: string, region: string) => ({
  id,
  account: '111111111111',
  region,
  functionName: `fn-${id}`,
  alias: 'live',
});

/** One wave of `targets`: one target, or 3 regions × 3 cells taken one cell per region per batch. */
function pipelineOf(targets: 1 | 9) {
  const cells = ['us-east-1', 'eu-west-1', 'ap-northeast-1'].flatMap((region) =>
    [1, 2, 3].map((n) => target(`${region}-c${n}`, region)),
  );
  return resolvePipeline({
    name: 'analysis-bench',
    defaults: {
      concurrency: 3,
      batching: 'per-region',
      oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 50 } },
      rolling: { weights: [50, 100], healthCheck: '2m' },
      bake: { duration: '5m', minDataPoints: 0 },
      alarms: { rollback: ['bench-errors-{target.region}'], oneBox: [] },
      safetyPoll: '1m',
      inconclusiveTimeout: '30m',
      analysis: {},
    },
    waves: [{ name: 'one', targets: targets === 1 ? [target('a1', 'us-east-1')] : cells }],
  });
}

export interface AnalysisCase {
  readonly name: string;
  /** Targets in the wave: 1, or 9 (3 regions × 3 cells in 3 batches: a deployment judged 9 times). */
  readonly targets: 1 | 9;
  readonly candidate: { errorRate: number; latencyMs: number; throttleRate: number };
  /** Whether the candidate is worse (a rollback is the right answer). */
  readonly bad: boolean;
  readonly target: string;
}

export const ANALYSIS_CASES: readonly AnalysisCase[] = [
  {
    name: '10× error rate, under every alarm',
    targets: 1,
    candidate: { errorRate: 0.01, latencyMs: 100, throttleRate: 0 },
    bad: true,
    target: '≥ 95 % rolled back',
  },
  {
    name: 'equal to the baseline, with noise',
    targets: 1,
    candidate: { errorRate: 0.001, latencyMs: 100, throttleRate: 0 },
    bad: false,
    target: '≤ 5 % rolled back',
  },
  {
    name: '2× p99 latency',
    targets: 1,
    candidate: { errorRate: 0.001, latencyMs: 200, throttleRate: 0 },
    bad: true,
    target: '≥ 90 % rolled back',
  },
  {
    name: 'equal, 9 targets in 3 batches',
    targets: 9,
    candidate: { errorRate: 0.001, latencyMs: 100, throttleRate: 0 },
    bad: false,
    target: 'per deployment',
  },
];

export interface AnalysisFigures {
  readonly name: string;
  readonly runs: number;
  readonly rolledBack: number;
  readonly byAnalysis: number;
  /** Median minutes from the one-box's start to the rollback, over the rolled-back runs. */
  readonly medianDetectionMinutes: number | null;
  readonly target: string;
}

function scenario(c: AnalysisCase, seed: number): ScenarioInput {
  return {
    seed,
    noise: {},
    traffic: { requestsPerMinute: 600 },
    baseline: { errorRate: 0.001, latencyMs: 100, throttleRate: 0 },
    candidate: c.candidate,
    alarms: {
      metric: [
        {
          name: 'bench-errors-{target.region}',
          metric: 'ErrorRate',
          scope: 'alias',
          threshold: 2,
          comparison: 'GreaterThanThreshold',
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: 'notBreaching',
        },
      ],
    },
  };
}

export async function runAnalysisCase(
  c: AnalysisCase,
  runs: number,
  progress: (done: number) => void = () => {},
): Promise<AnalysisFigures> {
  let rolledBack = 0;
  let byAnalysis = 0;
  const detection: number[] = [];
  for (let seed = 1; seed <= runs; seed++) {
    const result = await simulate(pipelineOf(c.targets), scenario(c, seed), { changeId: `bench-${seed}` });
    if (result.outcome === 'rolled_back') {
      rolledBack++;
      if (result.rollback?.reason.includes('one-box analysis')) byAnalysis++;
      const oneBox = result.timeline.find((e) => e.type === 'one-box-started');
      if (oneBox && result.rollback) {
        detection.push((Date.parse(result.rollback.detectedAt) - Date.parse(oneBox.at)) / 60_000);
      }
    }
    progress(seed);
  }
  detection.sort((a, b) => a - b);
  const median =
    detection.length === 0
      ? null
      : detection.length % 2
        ? detection[(detection.length - 1) / 2]!
        : (detection[detection.length / 2 - 1]! + detection[detection.length / 2]!) / 2;
  return { name: c.name, runs, rolledBack, byAnalysis, medianDetectionMinutes: median, target: c.target };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 100;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs: expected a whole number ≥ 1, got ${process.argv[i + 1]}`);
  const o = process.argv.indexOf('--only');
  const only = o >= 0 ? process.argv[o + 1] : undefined;
  const rows: AnalysisFigures[] = [];
  for (const c of ANALYSIS_CASES.filter((x) => only === undefined || x.name.includes(only))) {
    rows.push(
      await runAnalysisCase(c, runs, (done) => {
        if (done % 10 === 0) process.stderr.write(`  ${c.name}: ${done}/${runs}\n`);
      }),
    );
  }
  process.stdout.write(`${analysisTable(rows)}\n`);
}

export function analysisTable(rows: readonly AnalysisFigures[]): string {
  const lines = [
    'one-box analysis: 10 % one-box of 600 req/min per target, 30m bake, 1m safety poll, noise on, seeds 1..N',
    `${'case'.padEnd(36)} ${'runs'.padStart(5)} ${'rolled back'.padStart(12)} ${'by analysis'.padStart(12)} ${'median detection'.padStart(17)}  target`,
  ];
  for (const r of rows) {
    const rate = `${((r.rolledBack / r.runs) * 100).toFixed(0)} %`;
    lines.push(
      `${r.name.padEnd(36)} ${String(r.runs).padStart(5)} ${rate.padStart(12)} ${String(r.byAnalysis).padStart(12)} ${(r.medianDetectionMinutes === null ? '-' : `${r.medianDetectionMinutes.toFixed(1)} min`).padStart(17)}  ${r.target}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
