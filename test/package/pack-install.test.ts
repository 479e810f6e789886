import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Breakwater as a team adopts it: `npm pack`, then fresh projects outside this repository that
 * install the tarball from the registry's point of view — a CDK app that synthesises the control
 * plane under cdk-nag, and a project whose TypeScript pipeline imports 'breakwater' and runs the
 * CLI. Nothing here may reach back into the repository: only the tarball is installed.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TIMEOUT = 300_000;
const INSTALL_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
const CDK_PEERS = [
  'aws-cdk-lib@2.276.0',
  'constructs@10.8.1',
  'cdk-nag@3.0.2',
  'typescript@7.0.2',
  'tsx@4.23.15',
];

const execFileAsync = promisify(execFile);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function progress(message: string): void {
  process.stdout.write(`[package test] ${message}\n`);
}

async function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const started = Date.now();
  progress(`${command} ${args.join(' ')} (in ${cwd})`);
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      cwd,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    progress(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    progress(`  exit ${failed.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Runs a command that must succeed; its output is in the failure message when it does not. */
async function ok(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

async function newProject(name: string): Promise<string> {
  const dir = await mkdtemp(join(work, `${name}-`));
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  return dir;
}

let work: string;
let tarball: string;
let packedFiles: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'breakwater-package-'));
  await ok('npm', ['run', 'build'], ROOT);
  // prepack would build again; the build just ran.
  const packed = await ok('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT);
  const [manifest] = JSON.parse(packed.stdout) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  tarball = join(work, manifest!.filename);
  packedFiles = manifest!.files.map((f) => f.path);
  progress(
    `${manifest!.filename}: ${(manifest!.size / 1e6).toFixed(1)} MB packed, ${(manifest!.unpackedSize / 1e6).toFixed(1)} MB unpacked, ${packedFiles.length} files`,
  );
}, TIMEOUT);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships compiled JavaScript with declarations, the ASL, the console and a bundle per Lambda, and no TypeScript source', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'bin/breakwater.mjs',
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/cli/main.js',
        'dist/infra/constructs/index.js',
        'dist/infra/constructs/index.d.ts',
        'dist/statemachines/deployment.asl.json',
        'dist/web/index.html',
        'dist/vendor/aws-local-stepfunctions.mjs',
        'dist/lambda/Api/index.mjs',
        'dist/lambda/WaitForBake/index.mjs',
        'dist/lambda/CheckWaveGate/holiday-calendars/engine.cjs',
        'dist/lambda/CheckWaveGate/holiday-calendars/US.json',
        'dist/lambda/CheckWaveGate/holiday-calendars/zones/America/New_York.json',
        'docs/schema/pipeline.schema.json',
        'README.md',
      ]),
    );
    // the holiday calendars only beside the bundles that evaluate windows
    expect(packedFiles.filter((f) => f.startsWith('dist/lambda/WaitForBake/holiday-calendars/'))).toEqual([]);
    const sources = packedFiles.filter((f) => /\.[cm]?ts$/.test(f) && !f.endsWith('.d.ts'));
    expect(sources.filter((f) => !f.startsWith('examples/'))).toEqual([]);
    expect(packedFiles.filter((f) => f.startsWith('test/') || f.startsWith('src/'))).toEqual([]);
  });

  it(
    "lets a new CDK app synthesise the control plane from 'breakwater/cdk' with no cdk-nag error",
    async () => {
      const app = await newProject('platform-cdk');
      await ok('npm', ['install', tarball, ...CDK_PEERS, ...INSTALL_FLAGS], app);
      await writeFile(
        join(app, 'app.ts'),
        `import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BreakwaterControlPlane, BreakwaterTargetRole, targetCallerRoleArns } from 'breakwater/cdk';

const app = new App({ outdir: 'cdk.out' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const home = new Stack(app, 'Breakwater', { env: { account: '111111111111', region: 'eu-west-1' } });
new BreakwaterControlPlane(home, 'Breakwater', { targetAccounts: ['222222222222'] });
const target = new Stack(app, 'BreakwaterTarget', { env: { account: '222222222222', region: 'eu-west-1' } });
new BreakwaterTargetRole(target, 'TargetRole', {
  controlPlaneRoleArns: targetCallerRoleArns('111111111111', 'eu-west-1'),
  functions: [{ functionName: 'payments-api', aliases: ['live'] }],
});
app.synth();
`,
      );
      // The control: a queue nobody acknowledged must fail the same checks.
      await writeFile(
        join(app, 'unchecked.ts'),
        `import { App, Stack, aws_sqs as sqs, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

const app = new App({ outdir: 'cdk.out.unchecked' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new sqs.Queue(new Stack(app, 'Unchecked'), 'Queue');
app.synth();
`,
      );
      await writeFile(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            module: 'nodenext',
            moduleResolution: 'nodenext',
            strict: true,
            skipLibCheck: true,
            noEmit: true,
            types: [],
          },
          include: ['app.ts'],
        }),
      );
      // The declarations resolve through the exports map and type-check a user's app.
      await ok(join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], app);
      await ok(process.execPath, ['--import', 'tsx', 'app.ts'], app);

      type Report = { pluginReports: { violations: { ruleName: string }[] }[] };
      const report = JSON.parse(
        await readFile(join(app, 'cdk.out/validation-report.json'), 'utf8'),
      ) as Report;
      expect(report.pluginReports.length).toBeGreaterThan(0);
      expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
      // The checks are live in this app: an unacknowledged queue fails synthesis.
      const control = await run(process.execPath, ['--import', 'tsx', 'unchecked.ts'], app);
      expect(control.code).not.toBe(0);
      const controlReport = JSON.parse(
        await readFile(join(app, 'cdk.out.unchecked/validation-report.json'), 'utf8'),
      ) as Report;
      expect(controlReport.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName))).toContain(
        'AwsSolutions-SQS3',
      );

      // Every Breakwater Lambda runs a prebuilt bundle from the package, not one bundled here.
      const template = JSON.parse(await readFile(join(app, 'cdk.out/Breakwater.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: { Handler?: string; Runtime?: string } }>;
      };
      const functions = Object.values(template.Resources).filter(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs22.x',
      );
      expect(functions.length).toBeGreaterThanOrEqual(14);
      expect(new Set(functions.map((f) => f.Properties.Handler))).toEqual(new Set(['index.handler']));
      const assets = (await readdir(join(app, 'cdk.out'), { withFileTypes: true })).filter(
        (d) => d.isDirectory() && d.name.startsWith('asset.'),
      );
      const bundles = await Promise.all(assets.map((d) => readdir(join(app, 'cdk.out', d.name))));
      expect(bundles.filter((files) => files.includes('index.mjs')).length).toBeGreaterThanOrEqual(14);
    },
    TIMEOUT,
  );

  it(
    "runs `npx breakwater validate`, `plan` and `simulate` on a TypeScript pipeline that imports 'breakwater'",
    async () => {
      const project = await newProject('payments-pipelines');
      await ok('npm', ['install', tarball, ...INSTALL_FLAGS], project);
      await writeFile(
        join(project, 'my.pipeline.ts'),
        `import { definePipeline, type PipelineInput } from 'breakwater';

const defaults: PipelineInput['defaults'] = {
  oneBox: { weight: 10, bake: { duration: '5m', minDataPoints: 10 } },
  rolling: { weights: [50, 100], healthCheck: '5m' },
  bake: { duration: '10m', minDataPoints: 10 },
  alarms: { rollback: ['hello-errors-{target.region}'] },
};

export default definePipeline({
  name: 'hello-api',
  source: { type: 'manual' },
  artifact: { type: 'versions' },
  defaults,
  waves: [
    {
      name: 'only',
      targets: [{ id: 'hello-eu', account: '111111111111', region: 'eu-west-1', functionName: 'hello', alias: 'live' }],
    },
  ],
});
`,
      );
      const validate = await run(
        'npx',
        ['--no-install', 'breakwater', 'validate', 'my.pipeline.ts'],
        project,
      );
      expect(validate.stderr).toBe('');
      expect(validate.code).toBe(0);
      expect(validate.stdout).toContain('pipeline hello-api is valid (1 waves, 1 targets)');

      const plan = await run('npx', ['--no-install', 'breakwater', 'plan', 'my.pipeline.ts'], project);
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain('Pipeline hello-api: 1 waves, 1 targets, lead time 25m');

      const simulate = await run(
        'npx',
        ['--no-install', 'breakwater', 'simulate', 'my.pipeline.ts'],
        project,
      );
      expect(simulate.code).toBe(0);
      expect(simulate.stdout).toContain('hello-eu one-box: 10% of traffic on v2');
      expect(simulate.stdout).toContain('hello-eu at 100% on v2');

      const invalid = await writeFile(join(project, 'bad.pipeline.json'), '{"name": "x"}').then(() =>
        run('npx', ['--no-install', 'breakwater', 'validate', 'bad.pipeline.json'], project),
      );
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain('is invalid');
    },
    TIMEOUT,
  );
});
