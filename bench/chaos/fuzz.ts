import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import paymentsPipeline from '../../examples/payments.pipeline.js';
import { resolvePipeline } from '../../src/core/pipeline.js';
import {
  type FuzzRequest,
  fuzzBody,
  fuzzHeaders,
  fuzzMethod,
  fuzzPath,
  fuzzString,
  isProtectedApiPath,
} from './fuzz-inputs.js';
import { api, type RawResponse, send } from './http.js';
import { Random } from './random.js';
import { PartReport } from './report.js';
import { bootServe, killServe, type ServeChild, stopServe } from './serve-process.js';

/*
 * Part 3: fuzzed requests against a running `breakwater serve`: the API with random methods,
 * paths, query strings, headers and bodies, with and without the token, and the GitHub webhook
 * with correctly signed random deliveries, replays of them under new delivery ids, and badly
 * signed ones. Counted: 5xx answers, protected routes answering without the token, and
 * deployments, blockers or pipeline versions that no authenticated request made — found by
 * listing everything at the end and attributing each to the answer that created it.
 */

export const FUZZ_DEFECTS = {
  fiveXx: '5xx answers',
  died: 'serve exited during the fuzzing',
  unauthenticated: 'protected routes answering 2xx without a valid token',
  replayStarted: 'replayed pushes that started a deployment',
  secondDeployment: 'commits deployed twice on one pipeline by pushes',
  unattributed: 'deployments no authenticated request started',
  foreignBlockers: 'blockers no authenticated request created',
  foreignVersions: 'pipeline versions no authenticated request registered',
  foreignStops: 'stop requests no authenticated request made',
  stoppedEarly: 'part stopped early (serve did not start, or an answer broke the bench)',
} as const;

const WEB_PIPELINE = 'chaos-web';
const VERSIONS_PIPELINE = 'chaos-web-versions';
const REPOSITORY = 'chaos/bench';
const CONCURRENCY = 4;
/** Share of pushes that are new commits on the watched branch (each starts a deployment). */
const NEW_COMMIT_SHARE = 0.1;

export interface FuzzOptions {
  readonly seed: number;
  readonly requests: number;
  readonly deadline: number;
  readonly log: (line: string) => void;
}

const paymentsTargets = resolvePipeline(paymentsPipeline).waves.flatMap((w) => w.targets);

/** Two waves over payments-api's aliases, deployed from pushes to chaos/bench main (zip artifact). */
function webPipeline(name: string, artifact: object) {
  return {
    name,
    source: { type: 'github', owner: 'chaos', repo: 'bench', branch: 'main' },
    artifact,
    defaults: {
      oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 0 } },
      rolling: { weights: [100], healthCheck: '10m' },
      bake: { duration: '1h', minDataPoints: 0 },
    },
    waves: [
      { name: 'first', targets: paymentsTargets.slice(0, 1) },
      { name: 'rest', targets: paymentsTargets.slice(1, 3) },
    ],
  };
}

interface SignedPush {
  readonly body: Buffer;
  readonly contentType: string;
  readonly payload: Record<string, unknown>;
}

class FuzzRun {
  readonly report = new PartReport('3. fuzzed requests');
  private serve!: ServeChild;
  /** Deployment ids, blocker ids and stops that answers to authenticated requests account for. */
  private readonly startedIds = new Set<string>();
  private readonly blockerIds = new Set<string>();
  private readonly stoppedIds = new Set<string>();
  /** The request each accepted start answered, for the notes. */
  private readonly startAnswers = new Map<string, string>();
  private readonly putsByPipeline = new Map<string, number>();
  /** Pipeline versions serve registered at start, before any request. */
  private readonly initialVersions = new Map<string, number>();
  private readonly pushes: SignedPush[] = [];
  private authorizedUnanswered = 0;

  constructor(
    private readonly options: FuzzOptions,
    private readonly random: Random,
    private readonly dataDir: string,
  ) {
    for (const name of Object.values(FUZZ_DEFECTS)) this.report.figure(name, true);
    for (const name of [
      'requests sent',
      'API requests with the token',
      'API requests without a valid token',
      'signed deliveries: push',
      'signed deliveries: replay',
      'signed deliveries: reworded replay',
      'signed deliveries: ping',
      'signed deliveries: other event',
      'badly signed or unsigned deliveries',
      'requests without an answer (reset or refused)',
      'deployments at the end',
      'accepted starts (202) that left no deployment',
    ])
      this.report.figure(name, false);
  }

  async start(): Promise<void> {
    this.serve = await bootServe({ dataDir: this.dataDir, speed: 600 });
    // What serve registered itself at start (the example pipelines): nobody's request.
    const listed = await api(this.serve.url, this.serve.token, 'GET', '/pipelines');
    if (listed.status !== 200) throw new Error(`could not list pipelines: ${listed.status} ${listed.body}`);
    for (const p of listed.json<{ items: { name: string; version: number }[] }>()?.items ?? []) {
      this.initialVersions.set(p.name, p.version);
    }
    for (const [name, artifact] of [
      [WEB_PIPELINE, { type: 's3-zip', bucket: 'artifacts-{region}', key: 'chaos/{change}.zip' }],
      [VERSIONS_PIPELINE, { type: 'versions' }],
    ] as const) {
      const res = await api(
        this.serve.url,
        this.serve.token,
        'PUT',
        `/pipelines/${name}`,
        webPipeline(name, artifact),
      );
      if (res.status !== 201) throw new Error(`could not register ${name}: ${res.status} ${res.body}`);
      this.putsByPipeline.set(name, 1);
    }
  }

  private sign(body: Buffer, secret = this.serve.webhookSecret): string {
    return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  }

  /** A push payload: mostly ordinary, sometimes odd in every field GitHub fills. */
  private pushPayload(): Record<string, unknown> {
    const r = this.random;
    const watched = r.chance(NEW_COMMIT_SHARE);
    const after =
      watched || r.chance(0.8) ? r.hex(40) : r.pick(['0'.repeat(40), fuzzString(r), r.hex(40).toUpperCase()]);
    const payload: Record<string, unknown> = {
      ref: watched
        ? 'refs/heads/main'
        : r.pick(['refs/heads/dev', 'refs/tags/v1', 'refs/heads/main', fuzzString(r)]),
      before: r.hex(40),
      after,
      repository: { full_name: watched ? REPOSITORY : r.pick(['other/repo', 'chaos/other', fuzzString(r)]) },
      pusher: { name: r.chance(0.8) ? 'octocat' : fuzzString(r) },
      head_commit: r.chance(0.9)
        ? { message: r.chance(0.7) ? 'fix: rounding\n\nlong text' : fuzzString(r) }
        : null,
      ...(r.chance(0.05) ? { deleted: true } : {}),
      ...(r.chance(0.1) ? { sender: { login: fuzzString(r) } } : {}),
    };
    if (r.chance(0.05)) delete payload[r.pick(['ref', 'after', 'repository'])];
    return payload;
  }

  private encodePush(payload: Record<string, unknown>): SignedPush {
    const r = this.random;
    let json = Buffer.from(JSON.stringify(payload));
    // Bytes that are not UTF-8 inside the commit message, as a badly encoded commit can carry.
    if (r.chance(0.05))
      json = Buffer.from(json.toString('latin1').replace('"message":"', '"message":"\u00ff\u00fe'), 'latin1');
    const form = r.chance(0.15);
    return {
      payload,
      contentType: form ? 'application/x-www-form-urlencoded' : 'application/json',
      body: form ? Buffer.from(`payload=${encodeURIComponent(json.toString('utf8'))}`) : json,
    };
  }

  /** A correctly signed delivery: a new push, a replay of an earlier one, a ping or another event. */
  private signedDelivery(): { request: FuzzRequest; replay?: boolean } {
    const r = this.random;
    const kind = r.weighted([
      ['push', 6],
      ['replay', this.pushes.length > 0 ? 3 : 0],
      ['reworded replay', this.pushes.length > 0 ? 1 : 0],
      ['ping', 1],
      ['other event', 1],
    ] as const);
    let push: SignedPush;
    this.report.add(`signed deliveries: ${kind}`);
    if (kind === 'replay') push = r.pick(this.pushes);
    else if (kind === 'reworded replay') {
      // The same push (repository, ref, commit) with other details: the docs say it is the same deployment.
      const earlier = r.pick(this.pushes).payload;
      push = this.encodePush({
        ...earlier,
        pusher: { name: 'someone-else' },
        head_commit: { message: 'reworded' },
        repository: {
          ...(earlier.repository as object),
          full_name: r.chance(0.5)
            ? String((earlier.repository as { full_name?: string })?.full_name).toUpperCase()
            : (earlier.repository as { full_name?: string })?.full_name,
        },
        after: r.chance(0.5) ? String(earlier.after).toUpperCase() : earlier.after,
      });
    } else
      push = this.encodePush(
        kind === 'push' ? this.pushPayload() : { zen: 'Keep it logically awesome.', hook_id: 1 },
      );
    const event =
      kind === 'ping'
        ? 'ping'
        : kind === 'other event'
          ? r.pick(['issues', 'pull_request', fuzzString(r)])
          : 'push';
    const signature = this.sign(push.body);
    if (kind === 'push' && event === 'push') this.pushes.push(push);
    return {
      replay: kind === 'replay' || kind === 'reworded replay',
      request: {
        method: 'POST',
        path: r.chance(0.9)
          ? '/webhooks/github'
          : `/webhooks/github?${r.pick(['x=1', '__proto__=1', 'a=%zz'])}`,
        headers: {
          'content-type': push.contentType,
          'x-github-event': headerSafe(event),
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': r.chance(0.1)
            ? signature.toUpperCase().replace('SHA256=', 'sha256=')
            : signature,
          'user-agent': 'GitHub-Hookshot/chaos',
        },
        body: push.body,
        authenticated: true,
      },
    };
  }

  /** A delivery whose signature is missing or wrong: nothing may start. */
  private badlySignedDelivery(): FuzzRequest {
    const r = this.random;
    const push =
      r.chance(0.5) && this.pushes.length > 0 ? r.pick(this.pushes) : this.encodePush(this.pushPayload());
    const signature = r.pick([
      undefined,
      this.sign(push.body, 'not-the-secret'),
      this.sign(Buffer.concat([push.body, Buffer.from(' ')])),
      this.sign(push.body).replace('sha256=', 'sha1='),
      this.sign(push.body).slice(0, 40),
      'sha256=',
      fuzzString(r),
    ]);
    return {
      method: 'POST',
      path: '/webhooks/github',
      headers: {
        'content-type': push.contentType,
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        ...(signature !== undefined ? { 'x-hub-signature-256': headerSafe(signature) } : {}),
      },
      body: push.body,
      authenticated: false,
    };
  }

  /** A request to an API route: random everything, a valid token most of the time. */
  private apiRequest(): FuzzRequest {
    const r = this.random;
    const known = {
      pipelines: [WEB_PIPELINE, VERSIONS_PIPELINE, ...this.initialVersions.keys()],
      deployments: [...this.startedIds],
      blockers: [...this.blockerIds],
    };
    const method = fuzzMethod(r);
    const path = fuzzPath(r, known);
    const { headers, authenticated } = fuzzHeaders(r, this.serve, method);
    const body = method === 'GET' && r.chance(0.8) ? undefined : fuzzBody(r, path, known);
    return { method, path, headers, ...(body !== undefined ? { body } : {}), authenticated };
  }

  next(): { request: FuzzRequest; replay?: boolean } {
    const kind = this.random.weighted([
      ['api', 65],
      ['signed webhook', 25],
      ['badly signed webhook', 10],
    ] as const);
    if (kind === 'api') {
      const request = this.apiRequest();
      this.report.add(
        request.authenticated ? 'API requests with the token' : 'API requests without a valid token',
      );
      return { request };
    }
    if (kind === 'signed webhook') return this.signedDelivery();
    this.report.add('badly signed or unsigned deliveries');
    return { request: this.badlySignedDelivery() };
  }

  async fire(request: FuzzRequest, replay: boolean): Promise<void> {
    this.report.add('requests sent');
    let res: RawResponse;
    try {
      res = await send(this.serve.url, request);
    } catch (error) {
      if (request.authenticated) this.authorizedUnanswered++;
      this.report.add('requests without an answer (reset or refused)');
      if (this.report.notes.length < 5)
        this.report.notes.push(`no answer: ${describe(request).slice(0, 300)}: ${String(error)}`);
      if (this.serve.process.exitCode !== null || this.serve.process.signalCode !== null)
        this.report.defect(
          FUZZ_DEFECTS.died,
          `after ${describe(request)}: ${String(error)}; output: ${this.serve.output.slice(-800)}`,
        );
      return;
    }
    this.report.add(`answers ${res.status}`);
    if (res.status >= 500) {
      this.report.defect(
        FUZZ_DEFECTS.fiveXx,
        `${describe(request)} -> ${res.status} ${res.body.toString('utf8').slice(0, 200)}`,
      );
    }
    const pathname = safePathname(request.path);
    if (!request.authenticated && res.status < 300 && pathname !== undefined && isProtectedApiPath(pathname))
      this.report.defect(FUZZ_DEFECTS.unauthenticated, `${describe(request)} -> ${res.status}`);
    if (!request.authenticated || res.status >= 300) return;
    this.attribute(request, pathname ?? '', res, replay);
  }

  /** Remembers what an authenticated request created, so nothing else may appear. */
  private attribute(request: FuzzRequest, pathname: string, res: RawResponse, replay: boolean): void {
    const body = res.json<Record<string, unknown>>();
    if (!body) return;
    if (typeof body.deploymentId === 'string') {
      this.startedIds.add(body.deploymentId);
      this.startAnswers.set(body.deploymentId, describe(request).slice(0, 400));
    }
    if (Array.isArray(body.deployments)) {
      for (const d of body.deployments as { deploymentId?: string; duplicate?: boolean }[]) {
        if (typeof d.deploymentId !== 'string') continue;
        if (replay && d.duplicate !== true) {
          this.report.defect(
            FUZZ_DEFECTS.replayStarted,
            `${describe(request)} -> ${res.status} ${res.body.toString().slice(0, 300)}`,
          );
        }
        if (d.duplicate !== true) {
          this.startedIds.add(d.deploymentId);
          this.startAnswers.set(d.deploymentId, describe(request).slice(0, 400));
        }
      }
    }
    if (
      request.method === 'POST' &&
      pathname === '/blockers' &&
      res.status === 201 &&
      typeof body.id === 'string'
    )
      this.blockerIds.add(body.id);
    const stop = /^\/deployments\/([^/]+)\/stop$/.exec(pathname);
    if (stop && res.status === 202) this.stoppedIds.add(String(body.id ?? decodeURIComponent(stop[1]!)));
    if (request.method === 'PUT' && res.status === 201 && typeof body.name === 'string')
      this.putsByPipeline.set(body.name, (this.putsByPipeline.get(body.name) ?? 0) + 1);
  }

  async run(): Promise<void> {
    let issued = 0;
    const worker = async () => {
      while (issued < this.options.requests && performance.now() < this.options.deadline) {
        issued++;
        if (issued % 1000 === 0)
          this.options.log(
            `  fuzz: ${issued}/${this.options.requests}, ${this.report.defects} defect(s) so far`,
          );
        const { request, replay } = this.next();
        await this.fire(request, replay ?? false);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (issued < this.options.requests)
      this.report.notes.push(`budget reached: sent ${issued} of ${this.options.requests} requests`);
  }

  /** Lists everything the server holds and attributes it to the answers seen. */
  async audit(): Promise<void> {
    const get = async <T>(path: string) => {
      const res = await api(this.serve.url, this.serve.token, 'GET', path);
      if (res.status >= 500) this.report.defect(FUZZ_DEFECTS.fiveXx, `audit GET ${path} -> ${res.status}`);
      return res.status === 200 ? res.json<T>() : undefined;
    };
    const pipelines = (await get<{ items: { name: string; version: number }[] }>('/pipelines'))?.items ?? [];
    const initial = this.initialVersions;
    for (const p of pipelines) {
      const expected = (initial.get(p.name) ?? 0) + (this.putsByPipeline.get(p.name) ?? 0);
      if (p.version > expected)
        this.report.defect(
          FUZZ_DEFECTS.foreignVersions,
          `${p.name} is at version ${p.version}; authenticated requests registered ${expected}`,
        );
    }
    const byCommit = new Map<string, string[]>();
    for (const p of pipelines) {
      let cursor: string | undefined;
      do {
        const page = await get<{
          items: { id: string; change: { id: string }; requestedBy?: string; cancelRequest?: unknown }[];
          nextCursor?: string;
        }>(
          `/pipelines/${encodeURIComponent(p.name)}/deployments?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        for (const d of page?.items ?? []) {
          this.report.add('deployments at the end');
          if (!this.startedIds.has(d.id)) {
            this.report.defect(
              FUZZ_DEFECTS.unattributed,
              `${d.id} (pipeline ${p.name}, change ${d.change.id}, requested by ${d.requestedBy}); ${this.authorizedUnanswered} authenticated request(s) went unanswered`,
            );
          }
          if (d.cancelRequest && !this.stoppedIds.has(d.id))
            this.report.defect(
              FUZZ_DEFECTS.foreignStops,
              `${d.id} has a stop request (${JSON.stringify(d.cancelRequest)})`,
            );
          if (d.requestedBy?.startsWith('github')) {
            const key = `${p.name}\u0000${d.change.id.toLowerCase()}`;
            byCommit.set(key, [...(byCommit.get(key) ?? []), d.id]);
          }
        }
        cursor = page?.nextCursor;
      } while (cursor);
    }
    for (const [key, ids] of byCommit) {
      if (ids.length > 1)
        this.report.defect(
          FUZZ_DEFECTS.secondDeployment,
          `${key.replace('\u0000', ': commit ')} deployed ${ids.length} times: ${ids.join(', ')}`,
        );
    }
    for (const id of this.startedIds) {
      const res = await api(
        this.serve.url,
        this.serve.token,
        'GET',
        `/deployments/${encodeURIComponent(id)}`,
      );
      if (res.status === 404) {
        this.report.add('accepted starts (202) that left no deployment');
        if (this.report.notes.filter((n) => n.startsWith('no deployment')).length < 5)
          this.report.notes.push(
            `no deployment ${id} although its start was accepted: ${this.startAnswers.get(id) ?? '?'}`,
          );
      }
    }
    const blockers = (await get<{ items: { id: string }[] }>('/blockers'))?.items ?? [];
    for (const b of blockers)
      if (!this.blockerIds.has(b.id))
        this.report.defect(FUZZ_DEFECTS.foreignBlockers, `${b.id}: ${JSON.stringify(b)}`);
    this.report.add('errors logged by serve', this.serve.errors.length);
    for (const e of this.serve.errors.slice(0, 5)) this.report.notes.push(`serve logged: ${e.slice(0, 400)}`);
  }

  async stop(): Promise<void> {
    if (this.serve) await stopServe(this.serve);
  }

  async abort(): Promise<void> {
    if (this.serve) await killServe(this.serve);
  }
}

function safePathname(path: string): string | undefined {
  try {
    return new URL(`http://localhost${path}`).pathname;
  } catch {
    return undefined;
  }
}

/** Header values must be latin1 without line breaks: unicode goes as its UTF-8 bytes. */
export function headerSafe(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  return Buffer.from(value.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' '), 'utf8').toString('latin1');
}

function describe(r: FuzzRequest): string {
  const bytes = r.body === undefined ? undefined : Buffer.from(r.body);
  const body =
    bytes === undefined
      ? ''
      : ` body ${bytes.length} bytes ${JSON.stringify(bytes.subarray(0, 160).toString('utf8'))}`;
  const headers = Object.entries(r.headers ?? {})
    .filter(([name]) => name !== 'authorization' && name !== 'x-hub-signature-256')
    .map(([n, v]) => `${n}: ${v.slice(0, 80)}`)
    .join('; ');
  return `${r.method} ${r.path.slice(0, 200)} [${r.authenticated ? 'authenticated' : 'not authenticated'}; ${headers}]${body}`;
}

/**
 * Sends `requests` fuzzed requests to a fresh `breakwater serve` and audits what it holds after.
 *
 * @example
 * const report = await runFuzz({ seed: 1, requests: 200, deadline: performance.now() + 60_000, log: console.log });
 */
export async function runFuzz(options: FuzzOptions): Promise<PartReport> {
  const started = performance.now();
  const base = mkdtempSync(join(tmpdir(), 'breakwater-chaos-fuzz-'));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir);
  const run = new FuzzRun(options, new Random(options.seed), dataDir);
  try {
    await run.start();
    await run.run();
    await run.audit();
    await run.stop();
  } catch (error) {
    // The product failed to run (serve did not start, an answer was unusable) or the bench did: look.
    run.report.defect(FUZZ_DEFECTS.stoppedEarly, String((error as Error)?.stack ?? error).slice(0, 600));
    await run.abort();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  run.report.wallSeconds = (performance.now() - started) / 1000;
  return run.report;
}
