import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The embedded engine's results depend on nothing but the pipeline, the scenario and the seed:
 * the same simulation gives byte-identical `simulate --json` output (but for wallSeconds) whether
 * the machine is idle or both cores are saturated by CPU burners.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const execFileAsync = promisify(execFile);

async function simulateJson(scenario: string): Promise<{ code: number; digest: string; body: unknown }> {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'simulate', 'examples/payments.pipeline.ts'];
  args.push('--scenario', scenario, '--json');
  const run = await execFileAsync(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '' }),
  );
  const body = JSON.parse(run.stdout) as { stats: { wallSeconds?: number } };
  delete body.stats.wallSeconds;
  return { code: run.code, digest: createHash('sha256').update(JSON.stringify(body)).digest('hex'), body };
}

describe('simulate under load', () => {
  let burners: ChildProcess[] = [];
  beforeAll(() => {
    burners = [];
  });
  afterAll(() => {
    for (const b of burners) b.kill('SIGKILL');
  });

  it.each([
    ['a rollback by alarm event', 'examples/scenarios/bad-one-box-in-world.scenario.json', 3],
    ['throttled APIs retried', 'examples/scenarios/throttled-apis.scenario.json', 0],
  ])(
    'gives the same output for %s idle and with both cores saturated',
    async (_what, scenario, code) => {
      const idle = await simulateJson(scenario);
      expect(idle.code).toBe(code);

      burners = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
      const loaded = [await simulateJson(scenario), await simulateJson(scenario)];
      for (const b of burners) b.kill('SIGKILL');

      for (const run of loaded) {
        expect(run.code).toBe(idle.code);
        expect(run.body).toEqual(idle.body);
        expect(run.digest).toBe(idle.digest);
      }
    },
    180_000,
  );
});
