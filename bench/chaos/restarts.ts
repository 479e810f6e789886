import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import paymentsPipeline from '../../examples/payments.pipeline.js';
import { resolvePipeline } from '../../src/core/pipeline.js';
import { api, type RawResponse } from './http.js';
import { Random } from './random.js';
import { PartReport } from './report.js';
import { bootServe, killServe, type ServeChild, stopServe } from './serve-process.js';

/*
 * Part 2: kill -9 and restart `breakwater serve` on the same data folder while deployments run,
 * roll back, or have just been asked for. Between kills the bench reads every deployment through
 * the API and remembers what it saw; after each restart it checks that nothing it saw is gone,
 * doubled or earlier in time. At the end every deployment must end, none that failed may leave
 * traffic on its version, and the fleet must serve only versions that succeeded.
 */

const PIPELINE = 'chaos-restarts';
const SPEED = 3600;
const POLL_MS = 250;
const FINAL_WAIT_MS = 180_000;
const ENDED = new Set(['succeeded', 'rolled_back', 'failed', 'superseded', 'expired']);
const END_EVENT_TYPES = new Set([
  'deployment-succeeded',
  'deployment-rolled-back',
  'deployment-failed',
  'deployment-expired',
  'deployment-superseded',
]);
/** Lines serve prints when a deployment starts rolling back or a target goes back. */
const ROLLBACK_LINE = /in ALARM|rolling back|rolled back/i;
const WAVE_ROLLED_BACK_LINE = /\swave \S+ rolled back/;

export const RESTART_DEFECTS = {
  stranded: 'stranded deployments (not ended after the final wait)',
  clock: 'clock regressions after a restart (responses)',
  lost: 'timeline events lost across a kill',
  duplicated: 'timeline events duplicated',
  noEndEvent: 'ended deployments without their end event',
  staleLock: 'deployments held by a lock an ended deployment kept',
  traffic: 'targets with new-version weight after an unsuccessful deployment (API)',
  served: 'aliases serving a version no deployment succeeded with (fleet.json)',
  fiveXx: '5xx answers',
  noRestart: 'restarts that failed (serve did not come back)',
  stoppedEarly: 'part stopped early (serve did not start, or an answer broke the bench)',
} as const;

export interface RestartOptions {
  readonly seed: number;
  readonly kills: number;
  readonly deadline: number;
  readonly log: (line: string) => void;
}

interface Detail {
  deployment: {
    id: string;
    status: string;
    change: { id: string; version?: string };
    hold?: { since?: string; what?: string };
    rollback?: { reason?: string };
  };
  waves: {
    index: number;
    targets: {
      targetId: string;
      status: string;
      weight: number;
      previousVersion?: string;
      newVersion?: string;
    }[];
  }[];
  events: { key: string; type: string; at: string; message?: string }[];
}

const targets = resolvePipeline(paymentsPipeline).waves.flatMap((w) => w.targets);
const target = (id: string) => {
  const t = targets.find((x) => x.id === id);
  if (!t) throw new Error(`examples/payments.pipeline.ts has no target ${id}`);
  return t;
};

/** Short bakes over three of payments-api's aliases (the fleet serves them from the first start). */
const pipelineDocument = {
  name: PIPELINE,
  description: 'chaos benchmark: deployments killed and restarted',
  // Twelve virtual hours (12 s of wall time): a deployment stuck behind a lock gives up quickly.
  maxHold: '12h',
  defaults: {
    concurrency: 1,
    oneBox: { weight: 10, bake: { duration: '10m', minDataPoints: 0 } },
    rolling: { weights: [50, 100], healthCheck: '5m' },
    bake: { duration: '20m', minDataPoints: 0 },
    alarms: { rollback: ['chaos-errors-{target.id}'], oneBox: ['chaos-onebox-{target.id}'] },
    safetyPoll: '2m',
    inconclusiveTimeout: '20m',
  },
  waves: [
    { name: 'canary', targets: [target('use1-cell1')] },
    { name: 'europe', targets: [target('euw1'), target('euc1')] },
  ],
};

/** Candidate faults that come and go, so some deployments succeed and others roll back mid-wave. */
function scenarioDocument() {
  const faults = [];
  for (let hour = 0; hour < 30 * 24; hour += 4)
    faults.push({ targets: ['euc1'], at: `${hour}h`, until: `${hour + 2}h`, kind: 'sudden', errorRate: 0.2 });
  for (let hour = 3; hour < 30 * 24; hour += 7)
    faults.push({
      targets: ['use1-cell1'],
      at: `${hour}h`,
      until: `${hour + 1}h`,
      kind: 'sudden',
      errorRate: 0.2,
    });
  const alarm = (name: string, scope: 'alias' | 'new-version') => ({
    name,
    metric: 'ErrorRate',
    scope,
    period: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 2,
    treatMissingData: 'notBreaching',
  });
  return {
    name: 'chaos-restarts',
    alarms: {
      metric: [alarm('chaos-errors-{target.id}', 'alias'), alarm('chaos-onebox-{target.id}', 'new-version')],
    },
    faults,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One line per deployment that touched the target: version, outcome, what it did there. */
function targetHistory(details: readonly Detail[], targetId: string): string {
  const lines: string[] = [];
  for (const d of [...details].sort(
    (a, b) => Number(a.deployment.change.version) - Number(b.deployment.change.version),
  )) {
    const t = d.waves.flatMap((w) => w.targets).find((x) => x.targetId === targetId);
    if (!t?.newVersion) continue;
    const events = d.events
      .filter((e) => e.key.includes(`:${targetId}`))
      .map((e) => `${e.key}@${e.at.slice(11, 19)}`)
      .join(' ');
    lines.push(
      `v${d.deployment.change.version} ${d.deployment.id.slice(0, 8)} ${d.deployment.status} (target ${t.status}, ${t.previousVersion ?? '?'}->${t.newVersion}, weight ${t.weight}; ${events})`,
    );
  }
  return lines.join(' | ');
}

class RestartRun {
  readonly report = new PartReport('2. kill -9 restarts');
  private serve: ServeChild | undefined;
  /** Per deployment: every event key seen through the API, with its `at`. */
  private readonly seen = new Map<string, Map<string, string>>();
  private readonly statuses = new Map<string, string>();
  /** Deployments read once after they ended: nothing changes any more. */
  private readonly settled = new Set<string>();
  private maxNowMs = 0;
  /** The largest X-Breakwater-Now seen before the last kill: every answer after it must be later. */
  private nowAtKillMs = 0;
  private nextVersion = 2;
  /** Runs just before a kill (what serve printed last). */
  private killHook: (() => void) | undefined;

  constructor(
    private readonly options: RestartOptions,
    private readonly random: Random,
    private readonly dataDir: string,
    private readonly scenarioFile: string,
  ) {
    for (const name of Object.values(RESTART_DEFECTS)) this.report.figure(name, true);
    for (const name of [
      'kills',
      'kills at start',
      'kills after a while',
      'kills right after a rollback line',
      'kills right after a wave rolled back',
      'kills after 10 s without a rollback line',
      'kills with a deployment rolling back (as last read)',
      'kills while serve had printed a rollback begun, not ended',
      'deployments started',
      'stop requests accepted',
      'deployments resumed at a restart',
      'API requests',
    ])
      this.report.figure(name, false);
  }

  private async call(method: string, path: string, body?: unknown): Promise<RawResponse | undefined> {
    const serve = this.serve;
    if (!serve) return undefined;
    let res: RawResponse;
    try {
      res = await api(serve.url, serve.token, method, path, body);
    } catch {
      this.report.add('requests refused or cut (server down)');
      return undefined;
    }
    this.report.add('API requests');
    if (res.status >= 500)
      this.report.defect(
        RESTART_DEFECTS.fiveXx,
        `${method} ${path} -> ${res.status} ${res.body.toString().slice(0, 200)}`,
      );
    const now = Date.parse(String(res.headers['x-breakwater-now'] ?? ''));
    if (!Number.isNaN(now)) {
      if (now < this.nowAtKillMs) {
        this.report.defect(
          RESTART_DEFECTS.clock,
          `${method} ${path} answered X-Breakwater-Now ${new Date(now).toISOString()} after ${new Date(this.nowAtKillMs).toISOString()} was seen before the kill`,
        );
      }
      this.maxNowMs = Math.max(this.maxNowMs, now);
    }
    return res;
  }

  async boot(): Promise<boolean> {
    try {
      this.serve = await bootServe({ dataDir: this.dataDir, speed: SPEED, scenarioFile: this.scenarioFile });
    } catch (error) {
      this.report.defect(RESTART_DEFECTS.noRestart, String((error as Error).message).slice(0, 600));
      this.serve = undefined;
      return false;
    }
    const resumed = /Resumed:\s+(.*)/.exec(this.serve.output)?.[1];
    if (resumed) this.report.add('deployments resumed at a restart', resumed.split(',').length);
    return true;
  }

  async kill(): Promise<void> {
    if (!this.serve) return;
    this.killHook?.();
    this.killHook = undefined;
    await killServe(this.serve);
    this.report.add('kills');
    if ([...this.statuses.values()].includes('rolling_back'))
      this.report.add('kills with a deployment rolling back (as last read)');
    this.report.add('errors logged by serve', this.serve.errors.length);
    this.nowAtKillMs = this.maxNowMs;
    this.serve = undefined;
  }

  async register(): Promise<void> {
    const res = await this.call('PUT', `/pipelines/${PIPELINE}`, pipelineDocument);
    if (!res || res.status >= 300)
      throw new Error(`could not register ${PIPELINE}: ${res?.status} ${res?.body}`);
  }

  /** Lists the pipeline's deployments (every page) and reads each one not known to have ended. */
  async observe(): Promise<void> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await this.call(
        'GET',
        `/pipelines/${PIPELINE}/deployments?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const page =
        res?.status === 200 ? res.json<{ items: { id: string }[]; nextCursor?: string }>() : undefined;
      if (!page) return;
      ids.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    for (const id of ids) {
      if (this.settled.has(id)) continue;
      const res = await this.call('GET', `/deployments/${encodeURIComponent(id)}`);
      const detail = res?.status === 200 ? res.json<Detail>() : undefined;
      if (!detail) continue;
      this.check(detail);
    }
  }

  private check(detail: Detail): void {
    const id = detail.deployment.id;
    const seen = this.seen.get(id) ?? new Map<string, string>();
    this.seen.set(id, seen);
    this.statuses.set(id, detail.deployment.status);
    const keys = new Map<string, number>();
    for (const e of detail.events) keys.set(e.key, (keys.get(e.key) ?? 0) + 1);
    for (const [key, n] of keys)
      if (n > 1) this.report.defect(RESTART_DEFECTS.duplicated, `${id}: ${key} listed ${n} times`);
    const started = detail.events.filter((e) => e.type === 'deployment-started').length;
    const ends = detail.events.filter((e) => END_EVENT_TYPES.has(e.type)).length;
    if (started > 1 || ends > 1)
      this.report.defect(
        RESTART_DEFECTS.duplicated,
        `${id}: ${started} deployment-started, ${ends} end events`,
      );
    for (const [key, at] of seen) {
      if (!keys.has(key))
        this.report.defect(
          RESTART_DEFECTS.lost,
          `${id}: event ${key} (at ${at}) was listed before a kill and is gone`,
        );
    }
    for (const e of detail.events) seen.set(e.key, e.at);
    if (ENDED.has(detail.deployment.status)) this.settled.add(id);
  }

  /** Starts one deployment (of the next version); resolves when answered or cut by a kill. */
  async start(): Promise<void> {
    const version = String(this.nextVersion++);
    const res = await this.call('POST', `/pipelines/${PIPELINE}/deployments`, {
      change: { id: `chaos-v${version}`, version, description: 'chaos benchmark' },
      requestedBy: 'chaos',
    });
    if (res?.status === 202) this.report.add('deployments started');
    else if (res)
      this.report.notes.push(
        `start of version ${version} answered ${res.status}: ${res.body.toString().slice(0, 200)}`,
      );
  }

  /** Asks to stop a running deployment (a rollback by hand), as an operator would. */
  async stopOne(): Promise<void> {
    const running = [...this.statuses].filter(([, s]) => s === 'running').map(([id]) => id);
    if (running.length === 0) return;
    const id = this.random.pick(running);
    const res = await this.call('POST', `/deployments/${encodeURIComponent(id)}/stop`, {
      by: 'chaos',
      reason: 'chaos benchmark: stop by hand',
    });
    if (res?.status === 202) this.report.add('stop requests accepted');
  }

  /** Polls until `ms` passed or `until` says stop. */
  async pollFor(ms: number, until?: () => boolean): Promise<void> {
    const end = performance.now() + ms;
    while (performance.now() < end && !until?.()) {
      await this.observe();
      await sleep(POLL_MS);
    }
  }

  /** One cycle: boot (restart), check what survived, start work, kill at a random moment. */
  async cycle(index: number): Promise<void> {
    if (!(await this.boot())) return;
    const serve = this.serve!;
    // Deployments whose rollback serve has printed the start of, and not yet the end.
    const rollingBack = new Set<string>();
    serve.onLine = (line) => {
      const printed = /^\[[^\]]+\] (\S+)\s+(.*)$/.exec(line);
      if (!printed) return;
      const [, id, message] = printed;
      if (/^deployment (rolled back|failed|expired)/.test(message!)) rollingBack.delete(id!);
      else if (ROLLBACK_LINE.test(message!)) rollingBack.add(id!);
    };
    this.killHook = () => {
      if (rollingBack.size > 0) this.report.add('kills while serve had printed a rollback begun, not ended');
    };
    await this.observe();
    const mode = this.random.weighted([
      ['at start', 2],
      ['after a while', 4],
      ['on a rollback line', 4],
    ] as const);
    const starts = this.random.int(mode === 'on a rollback line' ? 1 : 0, 2);
    if (mode !== 'on a rollback line') this.report.add(`kills ${mode}`);
    if (mode === 'at start') {
      // Kill while the start requests are in flight or just answered.
      const inFlight = Array.from({ length: Math.max(1, starts) }, () => this.start());
      await sleep(this.random.int(0, 400));
      await this.kill();
      await Promise.allSettled(inFlight);
    } else if (mode === 'after a while') {
      // Starts a few virtual minutes to an hour apart, so changes overlap in different waves
      // (pipelining) instead of superseding each other in the first.
      for (let i = 0; i < starts; i++) {
        if (i > 0) await this.pollFor(this.random.int(200, 2500));
        await this.start();
      }
      if (this.random.chance(0.3)) await this.stopOne();
      await this.pollFor(this.random.int(300, 5000));
      await this.kill();
    } else {
      // Either the first sign of a rollback, or the end of a wave's rollback: the deployment's own
      // rollback step (status, locks, end event) runs right after it.
      const trigger = this.random.chance(0.5) ? ROLLBACK_LINE : WAVE_ROLLED_BACK_LINE;
      let rollbackLine = false;
      const track = serve.onLine;
      serve.onLine = (line) => {
        track?.(line);
        if (trigger.test(line)) rollbackLine = true;
      };
      for (let i = 0; i < starts; i++) await this.start();
      await this.pollFor(10_000, () => rollbackLine);
      if (rollbackLine) {
        await sleep(this.random.int(0, trigger === ROLLBACK_LINE ? 60 : 80));
        this.report.add(
          trigger === ROLLBACK_LINE
            ? 'kills right after a rollback line'
            : 'kills right after a wave rolled back',
        );
      } else this.report.add('kills after 10 s without a rollback line');
      await this.kill();
    }
    this.options.log(
      `  restarts: kill ${index}/${this.options.kills} (${mode}), ${this.report.defects} defect(s) so far`,
    );
  }

  /** Restarts once more, waits for every deployment to end, then checks what they left. */
  async finish(): Promise<void> {
    if (!(await this.boot())) return;
    const waitUntil = Math.min(
      performance.now() + FINAL_WAIT_MS,
      Math.max(this.options.deadline, performance.now() + 30_000),
    );
    const running = () => [...this.statuses].filter(([, s]) => !ENDED.has(s)).map(([id]) => id);
    await this.pollFor(
      Math.max(0, waitUntil - performance.now()),
      () => this.statuses.size > 0 && running().length === 0,
    );
    await this.observe();
    const succeededVersions = new Map<string, Set<string>>();
    /** Versions of deployments that have not ended: counted as stranded, not as served. */
    const unfinishedVersions = new Map<string, Set<string>>();
    const details: Detail[] = [];
    for (const id of this.statuses.keys()) {
      const res = await this.call('GET', `/deployments/${encodeURIComponent(id)}`);
      const detail = res?.status === 200 ? res.json<Detail>() : undefined;
      if (!detail) continue;
      details.push(detail);
      const status = detail.deployment.status;
      this.report.add(`final status ${status}`);
      if (status === 'failed') {
        const why = detail.events.filter((e) => /rollback-skipped|deployment-failed/.test(e.type));
        this.report.notes.push(
          `${id} (v${detail.deployment.change.version}) failed: ${why
            .map((e) => e.message)
            .join(' / ')
            .slice(0, 500)}`,
        );
      }
      const ends = detail.events.filter((e) => END_EVENT_TYPES.has(e.type)).length;
      if (ENDED.has(status) && ends === 0)
        this.report.defect(
          RESTART_DEFECTS.noEndEvent,
          `${id} (v${detail.deployment.change.version}) is ${status} but its timeline has no end event; last events: ${detail.events
            .slice(-3)
            .map((e) => e.key)
            .join(', ')}`,
        );
      const leftKeys = new Set(
        detail.events.filter((e) => e.key.startsWith('rollback-left:')).map((e) => e.key),
      );
      for (const w of detail.waves)
        for (const t of w.targets) {
          const versions =
            status === 'succeeded' ? succeededVersions : !ENDED.has(status) ? unfinishedVersions : undefined;
          if (versions && t.newVersion) {
            const set = versions.get(t.targetId) ?? new Set<string>();
            set.add(t.newVersion);
            versions.set(t.targetId, set);
          }
          if (leftKeys.has(`rollback-left:${w.index}:${t.targetId}`)) {
            // A newer deployment took the alias after this one finished there: by design it stays.
            this.report.add('targets left to a newer deployment at a rollback');
            continue;
          }
          if (status !== 'succeeded' && ENDED.has(status) && t.weight > 0) {
            this.report.defect(
              RESTART_DEFECTS.traffic,
              `${id} ended ${status} but its target ${t.targetId} shows weight ${t.weight} (status ${t.status})`,
            );
          }
        }
    }
    for (const detail of details) {
      const { id, status, hold, rollback } = detail.deployment;
      // "wave europe still carries deployment <id>", "use1 waits for deployment <id> to release its
      // alias" (while held, or in the reason it expired with): a holder that has ended keeps a lock.
      const text = `${hold?.what ?? ''} ${rollback?.reason ?? ''}`;
      const holders = [...text.matchAll(/deployment ([0-9a-f]{8}-[0-9a-f-]{27})/g)].map((m) => m[1]!);
      const ended = holders.find((h) =>
        ENDED.has(details.find((d) => d.deployment.id === h)?.deployment.status ?? ''),
      );
      if (ended && (!ENDED.has(status) || status === 'expired')) {
        const holderStatus = details.find((d) => d.deployment.id === ended)?.deployment.status;
        this.report.defect(
          RESTART_DEFECTS.staleLock,
          `${id} (v${detail.deployment.change.version}, ${status}) waited for ${ended}, which had ended ${holderStatus}: ${hold?.what ?? rollback?.reason}`,
        );
      }
      if (!ENDED.has(status))
        this.report.defect(
          RESTART_DEFECTS.stranded,
          `${id} still ${status} after the final wait; every detail: ${this.keepEvidence(details)}`,
        );
    }
    const serve = this.serve!;
    this.report.add('errors logged by serve', serve.errors.length);
    for (const e of serve.errors.slice(0, 5)) this.report.notes.push(`serve logged: ${e.slice(0, 300)}`);
    await stopServe(serve);
    this.serve = undefined;
    const fleet = JSON.parse(readFileSync(join(this.dataDir, 'fleet.json'), 'utf8')) as {
      targets: Record<
        string,
        { primaryVersion: string; additionalVersion: string | null; additionalPercent: number }
      >;
    };
    for (const t of pipelineDocument.waves.flatMap((w) => w.targets)) {
      const routing = fleet.targets[t.id];
      if (!routing) continue;
      const serving = [routing.primaryVersion];
      if (routing.additionalVersion && routing.additionalPercent > 0) serving.push(routing.additionalVersion);
      for (const v of serving) {
        if (v !== '1' && !succeededVersions.get(t.id)?.has(v) && !unfinishedVersions.get(t.id)?.has(v)) {
          this.report.defect(
            RESTART_DEFECTS.served,
            `${t.id} serves v${v}, which no deployment of it succeeded with (routing ${JSON.stringify(routing)}); ` +
              `its deployments: ${targetHistory(details, t.id)}; every detail: ${this.keepEvidence(details)}`,
          );
        }
      }
    }
  }

  /** Writes every deployment's detail to a file that outlives the run, and returns its path. */
  private keepEvidence(details: readonly Detail[]): string {
    const file = join(tmpdir(), `breakwater-chaos-restarts-${this.options.seed}.json`);
    writeFileSync(file, JSON.stringify(details, null, 2));
    return file;
  }

  /** A clean stop (SIGTERM), as after registering the pipeline. */
  async stop(): Promise<void> {
    if (this.serve) await stopServe(this.serve);
    this.serve = undefined;
  }

  async abort(): Promise<void> {
    if (this.serve) await killServe(this.serve);
  }
}

/**
 * Runs `kills` kill -9 cycles of `breakwater serve` and the final checks.
 *
 * @example
 * const report = await runRestarts({ seed: 1, kills: 2, deadline: performance.now() + 120_000, log: console.log });
 */
export async function runRestarts(options: RestartOptions): Promise<PartReport> {
  const started = performance.now();
  const base = mkdtempSync(join(tmpdir(), 'breakwater-chaos-restarts-'));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir);
  const scenarioFile = join(base, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(scenarioDocument(), null, 2));
  const run = new RestartRun(options, new Random(options.seed), dataDir, scenarioFile);
  try {
    if (!(await run.boot())) return run.report;
    await run.register();
    await run.stop();
    for (let i = 1; i <= options.kills; i++) {
      if (performance.now() > options.deadline) {
        run.report.notes.push(`budget reached: ${i - 1} of ${options.kills} kills`);
        break;
      }
      await run.cycle(i);
    }
    await run.finish();
  } catch (error) {
    // The product failed to run (serve did not start, an answer was unusable) or the bench did: look.
    run.report.defect(RESTART_DEFECTS.stoppedEarly, String((error as Error)?.stack ?? error).slice(0, 600));
    await run.abort();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  run.report.wallSeconds = (performance.now() - started) / 1000;
  return run.report;
}
