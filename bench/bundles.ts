import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, aws_lambda as lambda, aws_lambda_nodejs as nodejs, Stack } from 'aws-cdk-lib';
import { type BundleSize, bundleReport } from '../infra/bundle-report.js';
import { BUNDLING } from '../infra/constructs/bundling.js';

/*
 * (h) The Lambda bundles: `cdk synth` exactly as `npm run synth` does, then per function the
 * bundle's size and the CPU time of a cold import (`await import(index.mjs)` in a fresh Node
 * process, median of N). The SDK is bundled (BUNDLING); the floor's second row takes it from the
 * runtime instead, and here it resolves from the project's node_modules, so its load is part of
 * the figure, as it is on Lambda.
 */

const run = promisify(execFile);
const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Inside the project, so the external SDK packages resolve from its node_modules. */
const ASSEMBLY_DIR = join(PROJECT_ROOT, 'cdk.out', 'bench');
const FLOOR_ASSEMBLY_DIR = join(PROJECT_ROOT, 'cdk.out', 'bench-floor');
const FLOOR_ENTRY = join(PROJECT_ROOT, 'bench/floor/dynamodb-get.ts');
const COLD_IMPORT = fileURLToPath(new URL('./cold-import.mjs', import.meta.url));

/** The budget of the lean-Lambda issue: a bundle ≤ 250 KB, a cold import ≤ 100 ms of CPU. */
export const BUNDLE_BUDGET = { codeBytes: 250 * 1024, coldImportCpuMs: 100 } as const;

/** What the handlers read from the environment at import time (placeholders, no AWS calls). */
const HANDLER_ENV = {
  TABLE_NAME: 'bench-table',
  HOME_ACCOUNT_ID: '111111111111',
  TARGET_ROLE_ARN_TEMPLATE: 'arn:aws:iam::{account}:role/bench',
  POWERTOOLS_SERVICE_NAME: 'breakwater',
  EVENT_BUS_NAME: 'default',
  EVENT_SOURCE: 'breakwater',
  DEPLOYMENT_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111111111111:stateMachine:bench',
  RELEASE_ROLLBACK_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111111111111:stateMachine:bench-release',
  MAX_BODY_BYTES: '1048576',
  GITHUB_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:bench',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export interface BundleFigures extends BundleSize {
  /** Median CPU milliseconds of a cold import. */
  readonly coldImportCpuMs: number;
  /** Median wall milliseconds of the same imports (noisier: the machine is shared). */
  readonly coldImportWallMs: number;
}

/** Synthesizes the app into cdk.out/bench and returns its bundles' sizes. */
export async function synthBundles(): Promise<BundleSize[]> {
  rmSync(ASSEMBLY_DIR, { recursive: true, force: true });
  await run(
    'npx',
    [
      'cdk',
      'synth',
      '--quiet',
      '--no-notices',
      '--app',
      'node --import tsx infra/app.ts',
      '--output',
      ASSEMBLY_DIR,
    ],
    { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  return bundleReport(ASSEMBLY_DIR);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Imports `entryFile` in `runs` fresh processes, one after another. */
export async function coldImport(
  entryFile: string,
  runs: number,
): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, [COLD_IMPORT, entryFile], {
      env: { PATH: process.env.PATH ?? '', ...HANDLER_ENV },
    });
    const figures = JSON.parse(stdout) as { cpuMs: number; wallMs: number };
    cpu.push(figures.cpuMs);
    wall.push(figures.wallMs);
  }
  return { cpuMs: median(cpu), wallMs: median(wall) };
}

/**
 * The floor: bench/floor/dynamodb-get.ts (one DynamoDB GetItem, Tracer, Logger), bundled with
 * BUNDLING as it is, and with the SDK taken from the runtime instead. Not deployed: it shows what
 * any Lambda of ours costs before its own code.
 */
export const FLOORS = [
  {
    id: 'FloorBundled',
    label: 'floor: DynamoDB GetItem + Tracer + Logger (bundled SDK)',
    externalModules: [],
  },
  {
    id: 'FloorExternal',
    label: 'floor: DynamoDB GetItem + Tracer + Logger (SDK external)',
    externalModules: ['@aws-sdk/*', '@smithy/*'],
  },
] as const;

/** Bundles the floor handler both ways (a CDK app of its own, in this process) and returns their sizes, labelled. */
export function synthFloors(): BundleSize[] {
  rmSync(FLOOR_ASSEMBLY_DIR, { recursive: true, force: true });
  const app = new App({ outdir: FLOOR_ASSEMBLY_DIR, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'BenchFloor', { env: { account: '111111111111', region: 'us-east-1' } });
  for (const floor of FLOORS) {
    new nodejs.NodejsFunction(stack, floor.id, {
      entry: FLOOR_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      // BUNDLING, but quiet: this synth runs in the bench's process.
      bundling: {
        ...BUNDLING,
        externalModules: [...floor.externalModules],
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
  }
  app.synth();
  return FLOORS.map((floor) => {
    const size = bundleReport(FLOOR_ASSEMBLY_DIR).find((s) => s.function.startsWith(floor.id));
    if (size === undefined) throw new Error(`${floor.id}: no bundle in ${FLOOR_ASSEMBLY_DIR}`);
    return { ...size, function: floor.label };
  });
}

async function measure(sizes: readonly BundleSize[], runs: number): Promise<BundleFigures[]> {
  const figures: BundleFigures[] = [];
  for (const size of sizes) {
    const imported = await coldImport(size.entryFile, runs);
    figures.push({ ...size, coldImportCpuMs: imported.cpuMs, coldImportWallMs: imported.wallMs });
  }
  return figures;
}

/** The app's bundles, and the floor's (see FLOORS). */
export async function measureBundles(
  runs: number,
): Promise<{ bundles: BundleFigures[]; floors: BundleFigures[] }> {
  return { bundles: await measure(await synthBundles(), runs), floors: await measure(synthFloors(), runs) };
}

/**
 * One line per function; `!` marks a figure over the budget. The floors (if measured) follow as
 * reference lines: they are not deployed and not in the over-budget list, but say whether the
 * budget can be met at all.
 */
export function bundleTable(
  figures: readonly BundleFigures[],
  runs: number,
  floors: readonly BundleFigures[] = [],
): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;
  const overSize = (f: BundleFigures) => f.codeBytes > BUNDLE_BUDGET.codeBytes;
  const overCpu = (f: BundleFigures) => f.coldImportCpuMs > BUNDLE_BUDGET.coldImportCpuMs;
  const row = (f: BundleFigures) => [
    f.function.replace(/^.*\//, ''),
    `${kb(f.codeBytes)}${overSize(f) ? ' !' : ''}`,
    kb(f.onDemandBytes),
    kb(f.sourceMapBytes),
    kb(f.zippedBytes),
    `${f.coldImportCpuMs.toFixed(0)}${overCpu(f) ? ' !' : ''}`,
    f.coldImportWallMs.toFixed(0),
  ];
  const rows = [
    [
      'function',
      'code KB',
      'on demand KB',
      'map KB',
      'zipped KB',
      `import CPU ms (median of ${runs})`,
      'wall ms',
    ],
    ...figures.map(row),
    ...floors.map(row),
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length))) ?? [];
  const lines = rows.map((r) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join('  '),
  );
  if (floors.length > 0) {
    // The floors under a rule of their own, after the functions.
    lines.splice(1 + figures.length, 0, '-'.repeat(lines[0]?.length ?? 0));
  }
  const budget = `${BUNDLE_BUDGET.codeBytes / 1024} KB, ${BUNDLE_BUDGET.coldImportCpuMs} ms`;
  const over = figures.filter((f) => overSize(f) || overCpu(f));
  lines.push(
    over.length === 0
      ? `every bundle within ${BUNDLE_BUDGET.codeBytes / 1024} KB and ${BUNDLE_BUDGET.coldImportCpuMs} ms of import CPU`
      : `! over budget (${budget}): ${over.map((f) => f.function.replace(/^.*\//, '')).join(', ')}`,
  );
  if (floors.length > 0) {
    const unreachable = floors.every((f) => overSize(f) || overCpu(f));
    lines.push(
      unreachable
        ? `floor: no way of bundling the floor handler is within both (${budget}): ${floors.map((f) => `${f.function.replace(/^floor: [^(]*/, '')} ${kb(f.codeBytes)} KB, ${f.coldImportCpuMs.toFixed(0)} ms`).join('; ')}`
        : `floor: within budget (${budget}) as ${floors
            .filter((f) => !overSize(f) && !overCpu(f))
            .map((f) => f.function)
            .join(', ')}`,
    );
  }
  return lines.join('\n');
}
