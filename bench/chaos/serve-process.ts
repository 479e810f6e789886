import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * `breakwater serve` as a child process, as a user runs it: `--port 0` on loopback, a data folder,
 * a speed and a scenario. A child, not in-process: the embedded engine fakes this process's
 * timers, and kill -9 must kill the whole control plane, DynamoDB included.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BOOT_TIMEOUT_MS = 90_000;

export interface ServeChild {
  readonly process: ChildProcess;
  readonly url: string;
  readonly token: string;
  readonly webhookSecret: string;
  /** Everything printed so far (stdout and stderr). */
  output: string;
  /** Lines that start with "error:" on stderr (errors the server logged). */
  readonly errors: string[];
  /** Called with every line printed after boot. */
  onLine?: (line: string) => void;
  readonly exited: Promise<number | null>;
}

export interface ServeOptions {
  readonly dataDir: string;
  readonly speed: number;
  readonly scenarioFile?: string;
}

/** Starts serve and resolves once it printed its API address and token. */
export function bootServe(options: ServeOptions): Promise<ServeChild> {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--data', options.dataDir];
  args.push('--speed', String(options.speed));
  if (options.scenarioFile) args.push('--scenario', options.scenarioFile);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let ready = false;
    const serve: { -readonly [K in keyof ServeChild]: ServeChild[K] } = {
      process: child,
      url: '',
      token: '',
      webhookSecret: '',
      output: '',
      errors: [],
      exited,
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start within ${BOOT_TIMEOUT_MS} ms:\n${serve.output.slice(-2000)}`));
    }, BOOT_TIMEOUT_MS);
    const lines = (chunk: Buffer, isErr: boolean) => {
      const text = chunk.toString();
      serve.output += text;
      if (serve.output.length > 200_000) serve.output = serve.output.slice(-100_000);
      for (const line of text.split('\n')) {
        if (isErr && line.startsWith('error:')) serve.errors.push(line);
        if (ready && line) serve.onLine?.(line);
      }
      const found = /API:\s+(http:\/\/\S+)\s+\(Authorization: Bearer (\S+)\)/.exec(serve.output);
      if (found && !ready) {
        ready = true;
        clearTimeout(timer);
        serve.url = found[1]!;
        serve.token = found[2]!;
        serve.webhookSecret = readFileSync(join(options.dataDir, 'webhook-secret'), 'utf8').trim();
        resolve(serve);
      }
    };
    child.stdout!.on('data', (c: Buffer) => lines(c, false));
    child.stderr!.on('data', (c: Buffer) => lines(c, true));
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready)
        reject(new Error(`serve exited with ${code} before it was ready:\n${serve.output.slice(-2000)}`));
    });
  });
}

/** kill -9: no signal handler runs, nothing is saved. Resolves once the process is gone. */
export async function killServe(serve: ServeChild): Promise<void> {
  if (serve.process.exitCode === null && serve.process.signalCode === null) serve.process.kill('SIGKILL');
  await serve.exited;
}

/** Stops it as Ctrl-C would (SIGTERM: saves the clock and the fleet) and resolves with its exit code. */
export async function stopServe(serve: ServeChild, graceMs = 30_000): Promise<number | null> {
  if (serve.process.exitCode !== null || serve.process.signalCode !== null) return serve.process.exitCode;
  serve.process.kill('SIGTERM');
  const timer = setTimeout(() => serve.process.kill('SIGKILL'), graceMs);
  const code = await serve.exited;
  clearTimeout(timer);
  return code;
}
