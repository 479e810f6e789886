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

/** One API call to a running serve with its token: the status code, the JSON body and the headers. */
export async function callServe<T = unknown>(
  serve: ServeProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${serve.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${serve.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text === '' ? undefined : JSON.parse(text)) as T,
    headers: response.headers,
  };
}

/** The pipeline {@link expireADeployment} registers: one wave on an alias the fleet serves, maxHold 1h. */
export const HELD_PIPELINE = 'held-api';

const heldPipelineDocument = {
  name: HELD_PIPELINE,
  description: 'a pipeline a test holds until it gives up',
  maxHold: '1h',
  defaults: { alarms: { rollback: ['payments-errors-{target.region}'] } },
  waves: [
    {
      name: 'canary',
      targets: [
        {
          id: 'use1-cell1',
          account: '111111111111',
          region: 'us-east-1',
          cell: 'cell-1',
          functionName: 'payments-api-cell-1',
          alias: 'live',
        },
      ],
    },
  ],
};

/**
 * Makes a deployment give up after maxHold on a running serve: registers {@link HELD_PIPELINE}
 * (payments-api's canary alias, `maxHold: '1h'`), holds it with a manual blocker that nobody
 * removes, starts a change and waits until the deployment has ended `expired`. Resolves with its
 * id and the blocker's (still in place).
 */
export async function expireADeployment(
  serve: ServeProcess,
  options: { changeId?: string; reason?: string; timeoutMs?: number } = {},
): Promise<{ deploymentId: string; blockerId: string }> {
  const must = async <T>(method: string, path: string, body: unknown, ok: readonly number[]) => {
    const reply = await callServe<T>(serve, method, path, body);
    if (!ok.includes(reply.status))
      throw new Error(`${method} ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  // 201 the first time, 200 when an earlier call registered the same document.
  await must('PUT', `/pipelines/${HELD_PIPELINE}`, heldPipelineDocument, [200, 201]);
  const blocker = await must<{ id: string }>(
    'POST',
    '/blockers',
    {
      scope: { kind: 'pipeline', pipeline: HELD_PIPELINE },
      reason: options.reason ?? 'change freeze',
      author: 'ana',
    },
    [201],
  );
  const started = await must<{ deploymentId: string }>(
    'POST',
    `/pipelines/${HELD_PIPELINE}/deployments`,
    { change: { id: options.changeId ?? 'c-held', version: '2' }, requestedBy: 'ana' },
    [202],
  );
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const reply = await callServe<{ deployment: { status: string } }>(
      serve,
      'GET',
      `/deployments/${encodeURIComponent(started.deploymentId)}`,
    );
    const status = reply.status === 200 ? reply.body.deployment.status : 'not recorded yet';
    if (status === 'expired') return { deploymentId: started.deploymentId, blockerId: blocker.id };
    if (!['running', 'rolling_back', 'not recorded yet'].includes(status))
      throw new Error(`the held deployment ended ${status}, not expired`);
    if (Date.now() > deadline) throw new Error(`the held deployment is still ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
