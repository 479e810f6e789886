import './polyfill.js';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDeploymentStore } from '../adapters/aws/dynamodb-store.js';
import type { ApiDeps } from '../api/deps.js';
import { aliasKey, type ResolvedPipeline, resolvePipeline } from '../core/pipeline.js';
import type { Clock } from '../ports/clock.js';
import type { TrafficRouter } from '../ports/fleet.js';
import { type Log, silentLog } from '../ports/log.js';
import type { DeploymentRecord, DeploymentStore, TimelineEvent } from '../ports/store.js';
import { record } from '../workflow/context.js';
import type { StepDeps } from '../workflow/deps.js';
import { recordProgress } from '../workflow/record-progress.js';
import { rollBack } from '../workflow/roll-back.js';
import { aliasRef } from '../workflow/routing.js';
import { connectAlarmWatcher, type LocalAlarmWatcher } from './alarm-watcher.js';
import { type LocalDynamo, startLocalDynamo } from './dynamo.js';
import { loadStateMachines, ObservedStore, scheduleScenarioBlocks, stateMachineArn } from './engine.js';
import { JsonLinesPublisher } from './event-log.js';
import { FleetSimulator } from './fleet/simulator.js';
import type { FleetTarget } from './fleet/types.js';
import { SimulatedHooks } from './hooks.js';
import { defaultScenarioFor, parseScenario, type ScenarioInput } from './scenario.js';
import { type PacedRun, VirtualTime } from './virtual-time.js';
import { type DeploymentStart, LocalWorkflowStarter } from './workflow-starter.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES_DIR = join(ROOT, 'examples');
/** Captured before the fake clock exists: persistence runs on wall time. */
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;
const realSetTimeout = globalThis.setTimeout;
/** How often the virtual clock and the fleet are saved while running (wall ms). */
const PERSIST_EVERY_MS = 1000;
/** A build asking for a version this far past the latest is refused rather than published. */
const MAX_VERSIONS_PUBLISHED_PER_START = 100;
const REGISTERED_BY = 'breakwater serve';
const MINUTE_MS = 60_000;

export interface ControlPlaneOptions {
  /** Folder for everything that must survive a restart: DynamoDB, clock, fleet, token, secret. */
  readonly dataDir: string;
  /** Virtual ms per wall ms (3600: an hour per second). */
  readonly speed: number;
  /** The simulated world; default: a healthy candidate with an error-rate alarm for every alarm the pipelines name. */
  readonly scenario?: ScenarioInput;
  /** Folder of `*.pipeline.ts` / `*.pipeline.json` files registered at start. @default the repository's examples/ */
  readonly examplesDir?: string;
  readonly log?: Log;
  /** Every timeline event as it is written (live progress). */
  readonly onEvent?: (event: TimelineEvent) => void;
  /**
   * When the virtual clock starts to run: `first-deployment` holds it still until a deployment
   * starts (through the API, a webhook, a CodeCommit event) or one is resumed at start, so nothing
   * has happened before anyone asked; `now` runs it from the start.
   * @default 'first-deployment'
   */
  readonly clockStart?: ClockStart;
}

/** When `serve`'s virtual clock starts to run (see ControlPlaneOptions.clockStart). */
export type ClockStart = 'first-deployment' | 'now';

/** What the data folder keeps besides DynamoDB. */
interface ClockFile {
  readonly nowMs: number;
  readonly savedAt: string;
}
/** How far the paced clock may run before it writes a new lease (see VirtualTime.pace). */
interface ClockLeaseFile {
  readonly untilMs: number;
}
const CLOCK_LEASE_FILE = 'clock-lease.json';
interface FleetFile {
  readonly targets: Record<
    string,
    {
      readonly baselineVersions: number;
      readonly latestVersion: number;
      readonly primaryVersion: string;
      readonly additionalVersion: string | null;
      readonly additionalPercent: number;
    }
  >;
}

/**
 * The Breakwater control plane on one machine, for `breakwater serve`: DynamoDB on disk (dynalite
 * under the data folder), the real ASL and step handlers on the embedded Step Functions stand-in,
 * a simulated fleet, and a virtual clock paced against the wall clock. A restart on the same data
 * folder continues where the last run stopped: the clock resumes from where it was (never
 * backwards), the fleet's versions and routing come back, every running deployment is
 * started again under its id, and a rollback that was interrupted is finished.
 *
 * @example
 * const plane = await LocalControlPlane.start({ dataDir: '.breakwater', speed: 3600 });
 * const handler = createApiHandler(plane.apiDeps);
 * // ...
 * await plane.close();
 */
/** Where `serve` appends every deployment state change, one JSON line each (see JsonLinesPublisher). */
export const EVENT_LOG_FILE = 'events.jsonl';

export class LocalControlPlane {
  private persistTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private pacer: PacedRun | undefined;

  private constructor(
    private readonly options: ControlPlaneOptions,
    readonly dynamo: LocalDynamo,
    readonly time: VirtualTime,
    readonly store: DeploymentStore,
    readonly fleet: FleetSimulator,
    readonly starter: LocalWorkflowStarter,
    /** The aliases the simulated fleet serves. */
    readonly fleetTargets: readonly FleetTarget[],
    /** Pipelines registered (or re-registered because they changed) at this start. */
    readonly registered: readonly string[],
    /** Deployments started again because they were running when the last run stopped. */
    readonly resumed: readonly string[],
    /** Starts the paced clock (see {@link runClock}). */
    private readonly pace: () => PacedRun,
    /** Alarm events from the fleet to the alarm watcher (EventBridge's place on AWS). */
    readonly watcher: LocalAlarmWatcher,
  ) {}

  static async start(options: ControlPlaneOptions): Promise<LocalControlPlane> {
    const log = options.log ?? silentLog;
    mkdirSync(options.dataDir, { recursive: true });
    // DynamoDB boots on real timers (dynalite activates tables with setTimeout) before time is faked.
    const dynamo = await startLocalDynamo({ path: join(options.dataDir, 'dynamo') });
    let time: VirtualTime | undefined;
    try {
      const examples = await loadExamplePipelines(options.examplesDir ?? EXAMPLES_DIR, log);
      const startMs = await resumeInstant(
        new DynamoDeploymentStore({
          client: dynamo.documentClient,
          tableName: dynamo.tableName,
          clock: frozen,
        }),
        // The lease is the furthest the clock may have reached before a kill: never go back.
        Math.max(
          readJson<ClockFile>(join(options.dataDir, 'clock.json'))?.nowMs ?? 0,
          readJson<ClockLeaseFile>(join(options.dataDir, CLOCK_LEASE_FILE))?.untilMs ?? 0,
        ) || undefined,
        options.scenario,
      );
      time = VirtualTime.install(startMs, { speed: options.speed });
      const clock0 = time;
      // Every DynamoDB request (steps, API, watcher) is work the clock waits for.
      dynamo.trackRequestsWith((work) => clock0.track(work));
      const fleetStartMs = time.nowMs();
      const clock = time.clock;
      const store = new ObservedStore({ client: dynamo.documentClient, tableName: dynamo.tableName, clock });
      const registered = await registerPipelines(store, examples);
      const pipelines = (await store.listPipelines()).map((p) => p.definition);
      const scenario = parseScenario(options.scenario ?? defaultScenarioFor(pipelines));
      const savedFleet = readJson<FleetFile>(join(options.dataDir, 'fleet.json'));
      // The fleet's metrics begin at this start (nothing before it is regenerated).
      const targets = fleetTargets(pipelines, savedFleet, log);
      const fleet = new FleetSimulator({ clock, scenario: { ...scenario, startMs: fleetStartMs }, targets });
      await restoreFleet(fleet, targets, savedFleet, log);
      // Lambda keeps aliases and versions durably: so does the simulated fleet, on every change,
      // or a restart after kill -9 would find aliases as they were up to a second earlier.
      const fleetFile = join(options.dataDir, 'fleet.json');
      const saveFleet = () => writeJsonAtomic(fleetFile, snapshotFleet(fleet, targets));
      const router: TrafficRouter = {
        getAlias: (ref) => fleet.getAlias(ref),
        assertVersionExists: (ref, version) => fleet.assertVersionExists(ref, version),
        updateAlias: async (ref, update) => {
          const out = await fleet.updateAlias(ref, update);
          saveFleet();
          return out;
        },
        publishVersion: async (ref, request) => {
          const out = await fleet.publishVersion(ref, request);
          saveFleet();
          return out;
        },
      };
      const hooks = new SimulatedHooks(
        scenario.hooks,
        targets,
        (ms) => clock0.awayFor(ms),
        () => clock0.nowMs(),
      );
      const deps: StepDeps = {
        store,
        router,
        alarms: fleet,
        metrics: fleet,
        clock,
        log,
        hooks,
        organisationAlarms: scenario.organisationAlarms,
        events: new JsonLinesPublisher(join(options.dataDir, EVENT_LOG_FILE)),
      };
      const stepFunctions = loadStateMachines(time, deps);
      // Set once the plane exists: a deployment starting is what sets the clock going.
      let onStart: () => void = () => {};
      const watcher = connectAlarmWatcher({ time, fleet, deps, delivery: scenario.alarmEvents });
      const starter = new LocalWorkflowStarter({
        stepFunctions,
        stateMachineArn: stateMachineArn('Deployment'),
        releaseRollbackArn: stateMachineArn('ReleaseRollback'),
        // Taking a release back sets the clock going too: its bakes between waves run on it.
        beforeReleaseRollback: () => onStart(),
        beforeStart: async (request) => {
          onStart();
          await publishBuild(store, fleet, targets, request, log);
          saveFleet();
        },
        onEnd: (id, outcome) => log.info('execution ended', { deploymentId: id, status: outcome.status }),
      });
      if (options.onEvent) store.listener = options.onEvent;
      await scheduleScenarioBlocks(time, store, scenario);
      const resumed: string[] = [];
      for (const deployment of await unfinishedDeployments(store, pipelines)) {
        if (deployment.status === 'rolling_back' && deployment.releaseRollback) {
          // A release rollback under way: its workflow reads what is done from the records.
          await starter.startReleaseRollback({ deploymentId: deployment.id });
        } else if (deployment.status === 'rolling_back') {
          // Interrupted mid-rollback: finish it (the rollback is idempotent and never waits).
          await time.drive(
            time.track(() => rollBack(deps, { deploymentId: deployment.id, scope: 'deployment' })),
          );
        } else {
          await starter.startDeployment(resumeRequest(deployment));
        }
        resumed.push(deployment.id);
      }
      await time.drive(time.track(() => finishEndedSteps(deps, pipelines)));
      const leaseFile = join(options.dataDir, CLOCK_LEASE_FILE);
      const clock1 = time;
      const pace = () =>
        clock1.pace({
          speed: options.speed,
          // Written before time passes the previous lease: after a kill -9 the clock resumes at
          // or after every instant it reached (at most one lease ahead).
          reserve: (untilMs) => writeJsonAtomic(leaseFile, { untilMs } satisfies ClockLeaseFile),
        });
      const plane = new LocalControlPlane(
        options,
        dynamo,
        time,
        store,
        fleet,
        starter,
        targets,
        registered,
        resumed,
        pace,
        watcher,
      );
      onStart = () => plane.runClock();
      if ((options.clockStart ?? 'first-deployment') === 'now' || resumed.length > 0) plane.runClock();
      plane.persistTimer = realSetInterval(() => plane.persist(), PERSIST_EVERY_MS);
      plane.persistTimer.unref?.();
      plane.persist();
      return plane;
    } catch (error) {
      time?.uninstall();
      await dynamo.close();
      throw error;
    }
  }

  /**
   * Sets the virtual clock going at the configured speed, if it is not running yet. `serve` holds
   * it still until the first deployment starts (see ControlPlaneOptions.clockStart).
   */
  runClock(): void {
    if (this.closed) return;
    this.pacer ??= this.pace();
  }

  /** Whether the virtual clock runs (false while it waits for the first deployment). */
  get clockRunning(): boolean {
    return this.pacer !== undefined;
  }

  /** The virtual clock (API timestamps, bakes, Wait states). */
  get clock(): Clock {
    return this.time.clock;
  }

  /** What the HTTP API needs: the same handlers as on AWS, over the local store and starter. */
  get apiDeps(): ApiDeps {
    return {
      store: this.store,
      starter: this.starter,
      clock: this.time.clock,
      log: this.options.log ?? silentLog,
      newId: () => randomUUID(),
    };
  }

  /**
   * Runs `work` (an API request) as a handler: virtual time does not move while it runs, so what
   * it reads and writes is stamped at one instant.
   */
  track<T>(work: () => Promise<T>): Promise<T> {
    return this.time.track(work);
  }

  /** Saves the virtual clock and the fleet's versions and routing into the data folder. */
  persist(): void {
    if (this.closed) return;
    try {
      writeJsonAtomic(join(this.options.dataDir, 'clock.json'), {
        nowMs: this.time.nowMs(),
        savedAt: new Date(this.time.nowMs()).toISOString(),
      } satisfies ClockFile);
      writeJsonAtomic(join(this.options.dataDir, 'fleet.json'), snapshotFleet(this.fleet, this.fleetTargets));
    } catch (error) {
      (this.options.log ?? silentLog).warn('could not save the clock and fleet', { error: String(error) });
    }
  }

  /**
   * Stops time, lets the step in flight finish (up to `graceMs` of wall time), saves the clock and
   * the fleet, and closes DynamoDB. Executions still running resume at the next start.
   */
  async close(graceMs = 3000): Promise<void> {
    if (this.closed) return;
    if (this.persistTimer) realClearInterval(this.persistTimer);
    await this.pacer?.stop();
    this.watcher.stop();
    const deadline = performance.now() + graceMs;
    while (this.time.busy && performance.now() < deadline) await new Promise((r) => realSetTimeout(r, 10));
    this.persist();
    // Stopped cleanly: the clock went no further than now, so the next start continues from it.
    writeJsonAtomic(join(this.options.dataDir, CLOCK_LEASE_FILE), {
      untilMs: this.time.nowMs(),
    } satisfies ClockLeaseFile);
    this.closed = true;
    await this.dynamo.close();
    this.time.uninstall();
  }
}

const frozen: Clock = { nowMs: () => 0 };

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/**
 * Where the virtual clock starts: never before the saved clock, nor before anything the store
 * has recorded (the clock is saved every second; records may be a little newer), nor before
 * the scenario's start on a first run.
 */
async function resumeInstant(
  store: DeploymentStore,
  savedMs: number | undefined,
  scenario: ScenarioInput | undefined,
): Promise<number> {
  let latest = Math.max(savedMs ?? 0, parseScenario(scenario ?? {}).startMs);
  const seen = (iso: string | undefined) => {
    const ms = iso ? Date.parse(iso) : Number.NaN;
    if (!Number.isNaN(ms)) latest = Math.max(latest, ms);
  };
  for (const pipeline of await store.listPipelines()) {
    seen(pipeline.registeredAt);
    const page = await store.listDeployments(pipeline.name, { limit: 20 });
    for (const d of page.items) {
      seen(d.updatedAt);
      seen(d.endedAt);
      if (d.status === 'running' || d.status === 'rolling_back') {
        const view = await store.getDeploymentView(d.id);
        for (const e of view?.events ?? []) seen(e.at);
      }
    }
  }
  for (const b of await store.listBlockers()) seen(b.createdAt);
  // Metrics and alarm periods are whole minutes from the fleet's start.
  return Math.ceil(latest / MINUTE_MS) * MINUTE_MS;
}

/** The default exports of `*.pipeline.ts` / `*.pipeline.json` in `dir`, resolved. */
async function loadExamplePipelines(dir: string, log: Log): Promise<ResolvedPipeline[]> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.pipeline\.(ts|js|mjs|json)$/.test(f));
  } catch {
    return [];
  }
  const out: ResolvedPipeline[] = [];
  for (const file of files.sort()) {
    const path = join(dir, file);
    try {
      const input = file.endsWith('.json')
        ? JSON.parse(readFileSync(path, 'utf8'))
        : ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
      out.push(resolvePipeline(input as never));
    } catch (error) {
      log.warn(`example pipeline ${file} not registered`, {
        error: String((error as Error).message ?? error),
      });
    }
  }
  return out;
}

/** Registers each pipeline that is missing or whose definition changed (each put is a new version). */
async function registerPipelines(
  store: DeploymentStore,
  pipelines: readonly ResolvedPipeline[],
): Promise<string[]> {
  const registered: string[] = [];
  for (const pipeline of pipelines) {
    const current = await store.getPipeline(pipeline.name);
    if (current && stableJson(current.definition) === stableJson(pipeline)) continue;
    const record = await store.putPipeline(pipeline, REGISTERED_BY);
    registered.push(`${record.name} v${record.version}`);
  }
  return registered;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Every target of every registered pipeline, once per alias; the fleet's saved versions come back. */
function fleetTargets(
  pipelines: readonly ResolvedPipeline[],
  saved: FleetFile | undefined,
  log: Log,
): FleetTarget[] {
  const byAlias = new Map<string, FleetTarget>();
  const ids = new Set<string>();
  for (const p of pipelines) {
    for (const w of p.waves) {
      for (const t of w.targets) {
        const key = aliasKey(t);
        if (byAlias.has(key)) continue;
        if (ids.has(t.id)) {
          log.warn(`target ${t.id} of pipeline ${p.name} is not simulated: another alias has that id`);
          continue;
        }
        ids.add(t.id);
        const baseline = saved?.targets[t.id]?.baselineVersions;
        byAlias.set(key, {
          ...t,
          waveName: w.name,
          ...(baseline && baseline > 1 ? { initialVersion: String(baseline) } : {}),
        });
      }
    }
  }
  return [...byAlias.values()];
}

function snapshotFleet(fleet: FleetSimulator, fleetTargets: readonly FleetTarget[]): FleetFile {
  const targets: Record<string, FleetFile['targets'][string]> = {};
  for (const { id } of fleetTargets) {
    const versions = fleet.versions(id);
    const routing = fleet.routing(id);
    targets[id] = {
      baselineVersions: versions.filter((v) => v.role === 'baseline').length,
      latestVersion: Math.max(0, ...versions.map((v) => Number(v.version))),
      primaryVersion: routing.primaryVersion,
      additionalVersion: routing.additionalVersion,
      additionalPercent: routing.additionalPercent,
    };
  }
  return { targets };
}

/** Publishes the candidate versions the last run had and puts each alias back as it was routed. */
async function restoreFleet(
  fleet: FleetSimulator,
  targets: readonly FleetTarget[],
  saved: FleetFile | undefined,
  log: Log,
): Promise<void> {
  if (!saved) return;
  for (const target of targets) {
    const state = saved.targets[target.id];
    if (!state) continue;
    try {
      const ref = aliasRef(target);
      for (let n = latestVersion(fleet, target.id); n < state.latestVersion; n++) {
        await fleet.publishBuild(ref, {
          code: {
            s3Bucket: 'breakwater-local-builds',
            s3Key: `${target.functionName}/restored-v${n + 1}.zip`,
          },
          description: 'restored at start',
        });
      }
      const alias = await fleet.getAlias(ref);
      await fleet.updateAlias(ref, {
        functionVersion: state.primaryVersion,
        additional:
          state.additionalVersion && state.additionalPercent > 0
            ? { version: state.additionalVersion, weight: state.additionalPercent / 100 }
            : null,
        revisionId: alias.revisionId,
      });
    } catch (error) {
      log.warn(`fleet: could not restore ${target.id}`, { error: String(error) });
    }
  }
}

function latestVersion(fleet: FleetSimulator, targetId: string): number {
  return Math.max(0, ...fleet.versions(targetId).map((v) => Number(v.version)));
}

/**
 * As a build would before asking for a deployment: publishes versions on the simulated fleet
 * until each target has the version the change names.
 */
async function publishBuild(
  store: DeploymentStore,
  fleet: FleetSimulator,
  targets: readonly FleetTarget[],
  request: DeploymentStart,
  log: Log,
): Promise<void> {
  const pipeline = await store.getPipeline(request.pipeline, request.pipelineVersion);
  if (!pipeline) return; // the workflow's first step reports the missing pipeline
  const known = new Set(targets.map((t) => t.id));
  for (const t of pipeline.definition.waves.flatMap((w) => w.targets)) {
    const wanted = Number(request.change.versions?.[t.id] ?? request.change.version);
    if (!known.has(t.id) || !Number.isInteger(wanted)) continue;
    const latest = latestVersion(fleet, t.id);
    if (wanted - latest > MAX_VERSIONS_PUBLISHED_PER_START) {
      log.warn(`fleet: not publishing ${wanted - latest} versions on ${t.id} for one change`);
      continue;
    }
    for (let n = latest; n < wanted; n++) {
      await fleet.publishBuild(aliasRef(t), {
        code: {
          s3Bucket: 'breakwater-local-builds',
          s3Key: `${pipeline.name}/${request.change.id}/v${n + 1}.zip`,
        },
        description: `build of ${request.change.id}`,
      });
    }
  }
}

async function unfinishedDeployments(
  store: DeploymentStore,
  pipelines: readonly ResolvedPipeline[],
): Promise<DeploymentRecord[]> {
  const out: DeploymentRecord[] = [];
  for (const p of pipelines) {
    let cursor: string | undefined;
    do {
      const page = await store.listDeployments(p.name, { limit: 100, ...(cursor ? { cursor } : {}) });
      out.push(...page.items.filter((d) => d.status === 'running' || d.status === 'rolling_back'));
      cursor = page.nextCursor;
    } while (cursor);
  }
  return out;
}

/**
 * A deployment whose last step was cut short (kill -9) after it wrote its final status misses
 * what that step writes afterwards (its end event; its locks are taken over by the next
 * deployment that needs them). On AWS, Step Functions would run the step again; the restart does
 * it here, for the newest deployments of each pipeline. Every write is idempotent.
 */
async function finishEndedSteps(deps: StepDeps, pipelines: readonly ResolvedPipeline[]): Promise<void> {
  for (const p of pipelines) {
    const { items } = await deps.store.listDeployments(p.name, { limit: 20 });
    for (const d of items) {
      if (d.status !== 'succeeded' && d.status !== 'superseded') continue;
      const view = await deps.store.getDeploymentView(d.id);
      const endEvent = d.status === 'succeeded' ? 'deployment-succeeded' : 'deployment-superseded';
      if (!view || view.events.some((e) => e.type === endEvent)) continue;
      if (d.status === 'succeeded') {
        await recordProgress(deps, { deploymentId: d.id, event: 'deployment-succeeded' });
      } else {
        await record(deps, d.id, {
          key: 'deployment-superseded',
          type: 'deployment-superseded',
          message: `deployment ${d.endReason ?? 'superseded by a newer change before its first wave'}; nothing was deployed`,
        });
      }
    }
  }
}

/** The start request a running deployment was started with, rebuilt from its record. */
function resumeRequest(d: DeploymentRecord): DeploymentStart {
  return {
    pipeline: d.pipelineName,
    pipelineVersion: d.pipelineVersion,
    change: d.change,
    ...(d.requestedBy ? { requestedBy: d.requestedBy } : {}),
    ...(d.expedite ? { expedite: { reason: d.expedite.reason } } : {}),
    deploymentId: d.id,
  };
}
