import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServe, expireADeployment, stopServe } from '../support/serve.js';

/*
 * Runs the CLI as a user would: a separate Node process, from the project root, reading files
 * from disk. Exit codes are part of the contract: 0 succeeded, 2 invalid input, 3 rolled back.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PIPELINE = 'examples/payments.pipeline.ts';
const BAD_ONE_BOX_IN_WORLD = 'examples/scenarios/bad-one-box-in-world.scenario.json';
const TIMEOUT = 120_000;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const execFileAsync = promisify(execFile);

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function breakwater(...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The `simulate --json` document, as far as these tests read it. */
interface SimulationDocument {
  outcome: string;
  deploymentId: string;
  waves: { name: string; outcome: string; targets: { id: string; outcome: string; finalWeight: number }[] }[];
  rollback: null | { reason: string; alarm: string | null; detectedAt: string; trafficOffAt: string | null };
  stats: Record<string, number>;
}

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'breakwater-cli-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('breakwater validate', () => {
  it('accepts the example pipeline', { timeout: TIMEOUT }, async () => {
    // Act
    const run = await breakwater('validate', PIPELINE);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('pipeline payments-api is valid (3 waves, 6 targets)');
  });

  it('exits 2 and lists every problem of a JSON pipeline with its path', { timeout: TIMEOUT }, async () => {
    // Prepare
    const file = join(workDir, 'broken.pipeline.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'orders',
        waves: [
          {
            name: 'only',
            targets: [
              { id: 'euw1', account: '222222222222', region: 'Europe', functionName: 'orders', alias: 42 },
            ],
          },
        ],
      }),
    );

    // Act
    const run = await breakwater('validate', file);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pipeline "orders" is invalid');
    expect(run.stderr).toContain(
      'waves[0].targets[0].region: expected an AWS region like "us-east-1", got "Europe"',
    );
    expect(run.stderr).toContain('waves[0].targets[0].alias: expected string, got 42');
    expect(run.stderr).not.toContain('    at ');
  });

  it.each(['missing.pipeline.json', 'missing.pipeline.ts'])(
    'exits 2 and says the file was not found for %s',
    { timeout: TIMEOUT },
    async (name) => {
      // Act
      const run = await breakwater('validate', join(workDir, name));

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('file not found');
    },
  );
});

describe('breakwater plan', () => {
  it('prints a table with every wave and the lead time', { timeout: TIMEOUT }, async () => {
    // Act
    const run = await breakwater('plan', PIPELINE);

    // Assess
    expect(run.code).toBe(0);
    for (const wave of ['canary', 'europe', 'world']) expect(run.stdout).toContain(wave);
    expect(run.stdout).toContain('lead time');
    expect(run.stdout).toContain('lead time 7h30m');
  });

  it('prints the plan as JSON with the steps of every wave', { timeout: TIMEOUT }, async () => {
    // Act
    const run = await breakwater('plan', PIPELINE, '--json');

    // Assess
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      pipeline: string;
      waves: { name: string; steps: { kind: string; weight: number }[] }[];
      totalLeadTimeSeconds: number;
    };
    expect(plan.pipeline).toBe('payments-api');
    expect(plan.waves.map((w) => w.name)).toEqual(['canary', 'europe', 'world']);
    for (const wave of plan.waves) {
      expect(wave.steps[0]?.kind).toBe('one-box');
      expect(wave.steps.at(-1)?.weight).toBe(100);
    }
    expect(plan.totalLeadTimeSeconds).toBe(27_000);
  });
});

describe('breakwater simulate', () => {
  it('deploys every target of a healthy candidate and exits 0', { timeout: TIMEOUT }, async () => {
    // Act
    const run = await breakwater('simulate', PIPELINE, '--json');

    // Assess
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as SimulationDocument;
    expect(doc.outcome).toBe('succeeded');
    expect(doc.deploymentId).toEqual(expect.any(String));
    expect(doc.deploymentId).not.toBe('');
    expect(doc.rollback).toBeNull();
    expect(doc.waves.map((w) => [w.name, w.outcome])).toEqual([
      ['canary', 'succeeded'],
      ['europe', 'succeeded'],
      ['world', 'succeeded'],
    ]);
    for (const target of doc.waves.flatMap((w) => w.targets)) {
      expect(target).toEqual({ id: expect.any(String), batch: 1, outcome: 'succeeded', finalWeight: 100 });
    }
    for (const stat of [
      'maxHistoryEvents',
      'stateTransitions',
      'lambdaInvocations',
      'virtualSeconds',
      'wallSeconds',
    ]) {
      expect(doc.stats[stat], stat).toBeGreaterThan(0);
    }
    // The pipeline's bakes alone take 7h30m of virtual time.
    expect(doc.stats.virtualSeconds).toBeGreaterThanOrEqual(27_000);
  });

  it('rolls every wave back and exits 3 when the world one-box alarm fires', {
    timeout: TIMEOUT,
  }, async () => {
    // Act
    const run = await breakwater('simulate', PIPELINE, '--scenario', BAD_ONE_BOX_IN_WORLD, '--json');

    // Assess
    expect(run.code).toBe(3);
    const doc = JSON.parse(run.stdout) as SimulationDocument;
    expect(doc.outcome).toBe('rolled_back');
    expect(doc.rollback?.alarm).toBe('payments-onebox-errors-usw2');
    expect(doc.rollback?.reason).toContain('payments-onebox-errors-usw2');
    const detectedAt = doc.rollback?.detectedAt ?? '';
    const trafficOffAt = doc.rollback?.trafficOffAt ?? '';
    expect(detectedAt).toMatch(ISO_TIME);
    expect(trafficOffAt).toMatch(ISO_TIME);
    expect(Date.parse(trafficOffAt)).toBeGreaterThanOrEqual(Date.parse(detectedAt));
    expect(doc.waves[2]).toMatchObject({ name: 'world', outcome: 'rolled_back' });
    for (const target of doc.waves.flatMap((w) => w.targets)) {
      expect(target.finalWeight, target.id).toBe(0);
    }
  });

  it('exits 2 and names the bad field of a scenario file', { timeout: TIMEOUT }, async () => {
    // Prepare
    const file = join(workDir, 'bad.scenario.json');
    await writeFile(file, JSON.stringify({ traffic: { requestsPerMinute: 'lots' } }));

    // Act
    const run = await breakwater('simulate', PIPELINE, '--scenario', file, '--json');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('traffic.requestsPerMinute: expected number, got "lots"');
    expect(run.stdout).toBe('');
  });
});

describe('breakwater status', () => {
  it('shows a deployment that gave up after maxHold as EXPIRED, with what held it', {
    timeout: TIMEOUT,
  }, async () => {
    // Prepare: serve, and a deployment held by a blocker until it passed its pipeline's maxHold (1h)
    const serve = await bootServe({ dataDir: join(workDir, 'serve'), speed: 3600 });
    try {
      const { deploymentId } = await expireADeployment(serve, { reason: 'quarter-end freeze' });
      const connection = ['--endpoint', serve.url, '--token', serve.token];

      // Act
      const human = await breakwater('status', deploymentId, ...connection);
      const json = await breakwater('status', deploymentId, ...connection, '--json');

      // Assess
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toContain(`Deployment ${deploymentId}: EXPIRED`);
      expect(human.stdout).toMatch(
        /^ {2}rollback: held for 1h\S*, longer than maxHold \(1h\): wave canary waits: .*quarter-end freeze/m,
      );
      expect(human.stdout).toMatch(/\] deployment expired: held for 1h\S*, longer than maxHold \(1h\)/);
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout).deployment).toMatchObject({
        id: deploymentId,
        status: 'expired',
        rollback: { triggeredBy: 'hold-expired', reason: expect.stringContaining('quarter-end freeze') },
      });
    } finally {
      await stopServe(serve);
    }
  });
});

describe('breakwater trigger codecommit', () => {
  it('starts the CodeCommit pipeline of the pushed branch on serve, whose clock waits for that first deployment', {
    timeout: TIMEOUT,
  }, async () => {
    // Prepare: serve with its example pipelines (checkout's source is CodeCommit checkout@main)
    const serve = await bootServe({ dataDir: join(workDir, 'serve-codecommit'), speed: 3600 });
    try {
      const connection = ['--endpoint', serve.url, '--token', serve.token, '--as', 'ana'];
      const clockNow = async () =>
        Date.parse(
          (
            await fetch(`${serve.url}/blockers`, { headers: { authorization: `Bearer ${serve.token}` } })
          ).headers.get('x-breakwater-now')!,
        );
      const commit = '3e8b3ab2c1a9d0f7e6b5c4d3e2f1a0b9c8d7e6f5';
      const before = await clockNow();

      // Act
      const otherBranch = await breakwater(
        'trigger',
        'codecommit',
        '--repository',
        'checkout',
        '--branch',
        'feature-x',
        '--commit',
        commit,
        ...connection,
      );
      const missing = await breakwater('trigger', 'codecommit', '--branch', 'main', ...connection);
      const stillBefore = await clockNow();
      const push = await breakwater(
        'trigger',
        'codecommit',
        '--repository',
        'checkout',
        '--branch',
        'main',
        '--commit',
        commit,
        ...connection,
      );

      // Assess: nothing moved time or started until the push to main
      expect(serve.output).toContain('paused until a deployment starts, then 3600x wall time');
      expect(stillBefore).toBe(before);
      expect(otherBranch.code).toBe(1);
      expect(otherBranch.stderr).toContain(
        'Nothing started: no pipeline of repository checkout takes this push (received checkout@feature-x',
      );
      expect(otherBranch.stderr).toContain('checkout deploys checkout@main, not branch feature-x');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--repository: expected a CodeCommit repository name');
      expect(missing.stderr).toContain('--commit: expected a commit id');
      expect(push.code, push.stderr).toBe(0);
      const deploymentId = /Started deployment (cc-\S+-checkout) of checkout/.exec(push.stdout)?.[1];
      expect(deploymentId, push.stdout).toBeDefined();
      const status = await breakwater('status', deploymentId!, ...connection, '--json');
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).deployment).toMatchObject({
        pipelineName: 'checkout',
        change: { id: commit, description: 'referenceUpdated checkout@main' },
        requestedBy: 'arn:aws:iam::123456789012:user/ana',
      });
      expect(await clockNow()).toBeGreaterThan(before);
    } finally {
      await stopServe(serve);
    }
  });
});

describe('breakwater usage errors and --version', () => {
  it.each([
    ['an unknown command', ['nosuchcommand'], "unknown command 'nosuchcommand'"],
    ['an unknown option', ['plan', PIPELINE, '--bogus'], "unknown option '--bogus'"],
    ['a missing argument', ['plan'], "missing required argument 'pipeline'"],
    [
      'a bad option value',
      ['simulate', PIPELINE, '--max-days', 'soon'],
      'expected a positive number of days',
    ],
    ['no command', [], 'Usage: breakwater'],
  ])('exits 2 and says what was wrong for %s', { timeout: TIMEOUT }, async (_what, args, said) => {
    // Act
    const run = await breakwater(...args);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(said);
    expect(run.stdout).toBe('');
  });

  it('prints the package version with --version and exits 0', { timeout: TIMEOUT }, async () => {
    // Prepare
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };

    // Act
    const run = await breakwater('--version');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
  });

  it("leaves a command's own --version flag to the command", { timeout: TIMEOUT }, async () => {
    // Act: start's --version is the Lambda version; no endpoint is set, so start refuses
    const run = await breakwater('start', 'payments-api', '--change', 'abc', '--version', '7');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--endpoint: expected the API URL');
  });

  it('writes no colour and no progress bar when piped', { timeout: TIMEOUT }, async () => {
    // Act
    const run = await breakwater('simulate', PIPELINE, '--scenario', BAD_ONE_BOX_IN_WORLD);

    // Assess
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('Outcome: ROLLED_BACK');
    expect(run.stdout + run.stderr).not.toContain('\u001b[');
    expect(run.stderr).not.toContain('virtual ');
  });

  it('names the flag, not the API field, when the API refuses the input, and exits 2', {
    timeout: TIMEOUT,
  }, async () => {
    // Prepare
    const serve = await bootServe({ dataDir: join(workDir, 'serve-flags'), speed: 3600 });
    try {
      // Act: a change id longer than the API's 200 characters
      const run = await breakwater(
        'start',
        'payments-api',
        '--change',
        'x'.repeat(201),
        '--endpoint',
        serve.url,
        '--token',
        serve.token,
        '--as',
        'ana',
      );

      // Assess
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^ {2}- --change: /m);
      expect(run.stderr).not.toContain('change.id');
    } finally {
      await stopServe(serve);
    }
  });
});
