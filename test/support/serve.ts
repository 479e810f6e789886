import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `breakwater serve` running as a child process (the fake clock would break this process's fetch). */
export interface ServeProcess {
  readonly process: ChildProcess;
  /** API base URL and its bearer token, as printed at start. */
  readonly url: string;
  readonly token: string;
  /** The dashboard URL with the token, as printed at start. */
  readonly dashboardUrl: string;
  /** Everything it printed so far. */
  output: string;
}

/** Starts `breakwater serve` on a free port and resolves once it has printed its addresses. */
export function bootServe(options: {
  dataDir: string;
  speed: number;
  scenario?: string;
}): Promise<ServeProcess> {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--data', options.dataDir];
  args.push('--speed', String(options.speed), ...(options.scenario ? ['--scenario', options.scenario] : []));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const serve = { process: child, url: '', token: '', dashboardUrl: '', output: '' };
    child.stdout!.on('data', (chunk: Buffer) => {
      serve.output += chunk.toString();
      const api = /API:\s+(http:\/\/\S+)\s+\(Authorization: Bearer (\S+)\)/.exec(serve.output);
      const dashboard = /Dashboard:\s+(\S+)/.exec(serve.output);
      if (api && dashboard && !serve.url) {
        resolve(Object.assign(serve, { url: api[1]!, token: api[2]!, dashboardUrl: dashboard[1]! }));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      serve.output += chunk.toString();
    });
    child.once('exit', (code) =>
      reject(new Error(`serve exited with ${code} before it was ready:\n${serve.output}`)),
    );
  });
}

/** Stops it as Ctrl-C would (SIGTERM) and resolves with its exit code. */
export async function stopServe(serve: ServeProcess): Promise<number | null> {
  if (serve.process.exitCode !== null) return serve.process.exitCode;
  const exited = new Promise<number | null>((resolve) => serve.process.once('exit', resolve));
  serve.process.kill('SIGTERM');
  return exited;
}
