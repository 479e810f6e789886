import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { createApiHandler } from '../handlers/api.js';
import { createGithubWebhookHandler } from '../handlers/github-webhook.js';
import { CODECOMMIT_ROUTE, createCodeCommitRoute } from '../local/codecommit-route.js';
import { type ClockStart, EVENT_LOG_FILE, LocalControlPlane } from '../local/control-plane.js';
import type { ScenarioInput } from '../local/scenario.js';
import { createLocalServer, type ProxyHandler } from '../local/server.js';
import type { Log } from '../ports/log.js';
import type { TimelineEvent } from '../ports/store.js';
import { loadDocument } from './load.js';

const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

export interface ServeOptions {
  /** 0 picks a free port. @default 8787 */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host: string;
  /** @default '.breakwater' */
  readonly dataDir: string;
  /** Virtual ms per wall ms. @default 3600 */
  readonly speed: number;
  /** A scenario file (.json or .ts); default: a healthy candidate. */
  readonly scenarioFile?: string;
  /** When the virtual clock starts to run. @default 'first-deployment' */
  readonly clockStart?: ClockStart;
}

const CLOCK_STARTS: readonly ClockStart[] = ['first-deployment', 'now'];

export interface RunningServe {
  /** `http://host:port` */
  readonly url: string;
  /** The dashboard, with the token. */
  readonly dashboardUrl: string;
  readonly token: string;
  readonly webhookSecret: string;
  readonly plane: LocalControlPlane;
  /** Stops serving, saves the clock and the fleet, closes DynamoDB. */
  close(): Promise<void>;
}

/** Reads a secret from the data folder, or makes one on first start (readable by its owner only). */
function secretFile(dataDir: string, name: string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (value.length >= 16) return value;
  }
  const value = randomBytes(24).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/** Prints timeline events as they happen, stamped with virtual time; a retried write prints once. */
function eventPrinter(out: (line: string) => void): (e: TimelineEvent) => void {
  const seen = new Set<string>();
  return (e) => {
    const key = `${e.deploymentId}\u0000${e.key}`;
    if (seen.has(key)) return;
    seen.add(key);
    const indent = e.target ? '    ' : e.type.startsWith('wave') || e.type.startsWith('bake') ? '  ' : '';
    out(
      `[${e.at.slice(0, 16).replace('T', ' ')}] ${e.deploymentId.slice(0, 12).padEnd(12)} ${indent}${e.message}`,
    );
  };
}

function consoleLog(out: (line: string) => void, err: (line: string) => void): Log {
  const fmt = (message: string, extra?: Record<string, unknown>) =>
    extra && Object.keys(extra).length > 0 ? `${message} ${JSON.stringify(extra)}` : message;
  return {
    info: (message, extra) => {
      if (message === 'execution ended') out(`deployment ${extra?.deploymentId} ended: ${extra?.status}`);
    },
    warn: (message, extra) => err(`warning: ${fmt(message, extra)}`),
    error: (message, extra) => err(`error: ${fmt(message, extra)}`),
  };
}

/**
 * Starts the local control plane and its HTTP server: the API, the GitHub webhook, the dashboard.
 *
 * @example
 * const serve = await startServe({ port: 0, host: '127.0.0.1', dataDir: '/tmp/bw', speed: 3600 }, console.log);
 * console.log(serve.dashboardUrl);
 * await serve.close();
 */
export async function startServe(
  options: ServeOptions,
  out: (line: string) => void,
  err: (line: string) => void = out,
): Promise<RunningServe> {
  if (!Number.isFinite(options.speed) || options.speed <= 0) {
    throw new InvalidInputError('serve options', [
      {
        path: '--speed',
        message: `expected a positive number (3600: an hour per second), got ${options.speed}`,
      },
    ]);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new InvalidInputError('serve options', [
      { path: '--port', message: `expected a port number 0-65535, got ${options.port}` },
    ]);
  }
  if (options.clockStart !== undefined && !CLOCK_STARTS.includes(options.clockStart)) {
    throw new InvalidInputError('serve options', [
      {
        path: '--clock',
        message: `expected ${CLOCK_STARTS.join(' or ')}, got ${JSON.stringify(options.clockStart)}`,
      },
    ]);
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const token = secretFile(dataDir, 'token');
  const webhookSecret = secretFile(dataDir, 'webhook-secret');
  const scenario = options.scenarioFile
    ? ((await loadDocument(options.scenarioFile, 'scenario')) as ScenarioInput)
    : undefined;
  const log = consoleLog(out, err);
  const plane = await LocalControlPlane.start({
    dataDir,
    speed: options.speed,
    ...(scenario ? { scenario } : {}),
    ...(options.clockStart ? { clockStart: options.clockStart } : {}),
    log,
    onEvent: eventPrinter(out),
  });
  const deps = plane.apiDeps;
  const server = createLocalServer({
    api: createApiHandler(deps) as ProxyHandler,
    webhook: createGithubWebhookHandler({
      store: deps.store,
      starter: deps.starter,
      log,
      secret: webhookSecret,
    }) as ProxyHandler,
    localRoutes: {
      [CODECOMMIT_ROUTE]: createCodeCommitRoute({
        store: deps.store,
        starter: deps.starter,
        log,
      }) as ProxyHandler,
    },
    token,
    webDir: WEB_DIR,
    around: (work) => plane.track(work),
    clockState: () => (plane.clockRunning ? 'running' : 'paused'),
    log,
    clock: plane.clock,
  });
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port, options.host, () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (error) {
    await plane.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  const dashboardUrl = `${url}/?token=${token}`;
  const now = new Date(plane.clock.nowMs()).toISOString().slice(0, 16).replace('T', ' ');
  // One write, so whoever reads the banner (a test, a wrapper script) gets it whole.
  out(
    [
      `Breakwater control plane on the embedded engine (virtual time x${options.speed})`,
      `  Dashboard:      ${dashboardUrl}`,
      `  API:            ${url}   (Authorization: Bearer ${token})`,
      `  GitHub webhook: POST ${url}/webhooks/github   secret: ${webhookSecret}`,
      `  CodeCommit:     POST ${url}${CODECOMMIT_ROUTE}   (an EventBridge event; or breakwater trigger codecommit)`,
      `  Data:           ${dataDir}`,
      `  Events:         ${join(dataDir, EVENT_LOG_FILE)}   (deployment state changes, one JSON line each)`,
      `  Virtual time:   ${now} UTC, ${
        plane.clockRunning
          ? `${options.speed}x wall time`
          : `paused until a deployment starts, then ${options.speed}x wall time`
      }`,
      ...(plane.registered.length > 0 ? [`  Registered:     ${plane.registered.join(', ')}`] : []),
      ...(plane.resumed.length > 0 ? [`  Resumed:        ${plane.resumed.join(', ')}`] : []),
    ].join('\n'),
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await plane.close();
    })();
    return closing;
  };
  return { url, dashboardUrl, token, webhookSecret, plane, close };
}

/** The flags of `breakwater serve`, as commander parses them. */
interface ServeFlags {
  readonly port: number;
  readonly host: string;
  readonly data: string;
  readonly speed: number;
  readonly scenario?: string;
  readonly clock: string;
}

/** `breakwater serve`: runs until SIGINT/SIGTERM, then shuts down cleanly. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the control plane on this machine: the API, the GitHub webhook and the dashboard, on the embedded engine with a virtual clock.',
    )
    .addOption(
      new Option('--port <n>', 'port to listen on (0: any free port)').default(8787).argParser(Number),
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'folder that keeps everything across restarts', '.breakwater')
    .addOption(
      new Option('--speed <n>', 'virtual seconds per wall second (3600: an hour per second)')
        .default(3600)
        .argParser(Number),
    )
    .option(
      '--scenario <file>',
      'the simulated world (traffic, alarms, faults); default: a healthy candidate',
    )
    .option(
      '--clock <when>',
      'when virtual time starts to run: first-deployment (it stays still until a deployment starts) or now',
      'first-deployment',
    )
    .action(async (opts: ServeFlags) => {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const err = (line: string) => process.stderr.write(`${line}\n`);
      const serve = await startServe(
        {
          port: opts.port,
          host: opts.host,
          dataDir: opts.data,
          speed: opts.speed,
          ...(opts.scenario ? { scenarioFile: opts.scenario } : {}),
          clockStart: opts.clock as ClockStart,
        },
        out,
        err,
      );
      let signals = 0;
      const stop = (signal: string) => {
        if (++signals > 1) process.exit(130);
        out(`${signal}: saving the clock and the fleet, closing DynamoDB...`);
        serve.close().then(
          () => {
            out('stopped.');
            process.exit(0);
          },
          (error: unknown) => {
            err(`error while stopping: ${String(error)}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
