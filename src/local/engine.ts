import './polyfill.js';
import { fileURLToPath } from 'node:url';
import { DynamoDeploymentStore } from '../adapters/aws/dynamodb-store.js';
import { ConflictError, InvalidInputError } from '../core/errors.js';
import { aliasKey, type ResolvedPipeline } from '../core/pipeline.js';
import type { StartRequest } from '../core/start-request.js';
import { isoAt } from '../ports/clock.js';
import type { DeploymentMetrics } from '../ports/deployment-metrics.js';
import type { DeploymentEventPublisher, DeploymentStateChange } from '../ports/events.js';
import { type Log, silentLog } from '../ports/log.js';
import { STATE_MACHINES, STEP_FUNCTIONS } from '../ports/step-catalog.js';
import type { BakeProgress, DeploymentStore, TimelineEvent } from '../ports/store.js';
import type { WorkflowStarter } from '../ports/workflow.js';
import type { StepDeps } from '../workflow/deps.js';
import { connectAlarmWatcher, type LocalAlarmWatcher } from './alarm-watcher.js';
import { type LocalDynamo, startLocalDynamo } from './dynamo.js';
import { FleetSimulator } from './fleet/simulator.js';
import { localStepHandlers } from './handlers.js';
import { SimulatedHooks } from './hooks.js';
import type { Scenario } from './scenario.js';
import { type ExecutionOutcome, LocalStepFunctions } from './step-functions.js';
import { VirtualTime } from './virtual-time.js';

const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'us-east-1';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const lambdaArn = (id: string) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:breakwater-${id}`;
export const stateMachineArn = (id: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:breakwater-${id}`;

/** Every alias the pipelines deploy to, once: two pipelines may share a target (the alias lock keeps them apart). */
function fleetTargets(pipelines: readonly ResolvedPipeline[]) {
  const seen = new Map<string, ResolvedPipeline['waves'][number]['targets'][number] & { waveName: string }>();
  for (const p of pipelines) {
    for (const w of p.waves) {
      for (const t of w.targets)
        if (!seen.has(aliasKey(t))) seen.set(aliasKey(t), { ...t, waveName: w.name });
    }
  }
  return [...seen.values()];
}

/** Keeps published deployment state changes in memory, in order (the embedded EventBridge). */
export class RecordingPublisher implements DeploymentEventPublisher {
  readonly changes: DeploymentStateChange[] = [];
  async publish(change: DeploymentStateChange): Promise<void> {
    this.changes.push(change);
  }
}

/** A store that also tells a listener about each event written (live progress). */
export class ObservedStore extends DynamoDeploymentStore {
  listener: ((event: TimelineEvent) => void) | undefined;
  /** Bake progress as the workflow records it (on change: verdict, alarms, each tenth of the data points). */
  progressListener: ((deploymentId: string, waveIndex: number, bake: BakeProgress) => void) | undefined;
  override async appendEvent(event: TimelineEvent): Promise<void> {
    await super.appendEvent(event);
    this.listener?.(event);
  }
  override async updateWave(
    deploymentId: string,
    index: number,
    patch: Parameters<DynamoDeploymentStore['updateWave']>[2],
  ) {
    await super.updateWave(deploymentId, index, patch);
    if (patch.bake) this.progressListener?.(deploymentId, index, patch.bake);
  }
}

/**
 * The real state machines on the local interpreter, each Task wired to the in-process step
 * handler built over `deps`: the one place the embedded engine and `serve` compose them.
 */
export function loadStateMachines(time: VirtualTime, deps: StepDeps): LocalStepFunctions {
  const handlers = localStepHandlers(deps);
  const substitutions: Record<string, string> = {};
  const lambdas = new Map<string, (event: unknown) => Promise<unknown>>();
  for (const step of STEP_FUNCTIONS) {
    substitutions[step.arnVariable] = lambdaArn(step.id);
    lambdas.set(lambdaArn(step.id), handlers.get(step.arnVariable)!);
  }
  for (const machine of STATE_MACHINES) substitutions[machine.arnVariable] = stateMachineArn(machine.id);
  const stepFunctions = new LocalStepFunctions({ time, lambdas, substitutions });
  for (const machine of STATE_MACHINES)
    stepFunctions.load(`${ROOT}${machine.file}`, stateMachineArn(machine.id));
  return stepFunctions;
}

/**
 * Puts a scenario's manual blocks in the store when their time comes on the virtual clock, and
 * removes them at `until`, the way a person would through the API. Blocks already due are put at
 * once; one that exists already (a restarted control plane) is left as it is.
 */
export async function scheduleScenarioBlocks(
  time: VirtualTime,
  store: DeploymentStore,
  scenario: Scenario,
): Promise<void> {
  const at = async (ms: number, work: () => Promise<unknown>) => {
    if (ms <= time.nowMs()) await time.drive(time.track(work));
    else setTimeout(() => void time.track(work), ms - time.nowMs());
  };
  for (const [i, b] of scenario.blockers.entries()) {
    if (b.kind !== 'manual') continue;
    const id = b.id ?? `scenario-${i + 1}`;
    if (b.untilMs !== undefined && b.untilMs <= time.nowMs()) continue;
    await at(b.atMs, () =>
      store
        .putBlocker({ id, scope: b.scope, reason: b.reason, author: b.author, createdAt: isoAt(b.atMs) })
        .catch((error: unknown) => {
          if (!(error instanceof ConflictError)) throw error;
        }),
    );
    if (b.untilMs !== undefined) await at(b.untilMs, () => store.removeBlocker(id));
  }
}

export interface EngineOptions {
  readonly scenario: Scenario;
  /** Pipelines to register; their targets make up the simulated fleet. */
  readonly pipelines: readonly ResolvedPipeline[];
  /** Keep DynamoDB on disk under this folder; in memory otherwise. */
  readonly dataPath?: string;
  readonly log?: Log;
  /** Organisation-wide blocker alarms (see StepDeps.organisationAlarms). */
  readonly organisationAlarms?: readonly string[];
  /** Where the workflow's metrics go (see StepDeps.deploymentMetrics); none recorded by default. */
  readonly deploymentMetrics?: DeploymentMetrics;
}

export interface EngineStats {
  readonly maxHistoryEvents: number;
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly virtualSeconds: number;
  readonly wallSeconds: number;
  readonly executions: number;
}

/**
 * Breakwater on one machine: the real ASL files in a local interpreter, the real step handlers
 * in-process, DynamoDB on dynalite through the real DynamoDB adapter, and a simulated fleet on a
 * virtual clock.
 *
 * @example
 * const engine = await EmbeddedEngine.start({ scenario, pipelines: [pipeline] });
 * const { done } = engine.startDeployment({ pipeline: pipeline.name, change: { id: 'c1', version: '2' } });
 * const outcome = await engine.drive(done);
 * await engine.close();
 */
export class EmbeddedEngine {
  private sequence = 0;
  private readonly startedWall = performance.now();
  private readonly startedVirtual: number;

  private constructor(
    readonly dynamo: LocalDynamo,
    readonly time: VirtualTime,
    readonly store: ObservedStore,
    readonly fleet: FleetSimulator,
    readonly stepFunctions: LocalStepFunctions,
    /** Deployment state changes the workflow published (EventBridge's place on AWS). */
    readonly published: RecordingPublisher,
    /** Alarm events from the fleet to the alarm watcher (EventBridge's place on AWS). */
    readonly watcher: LocalAlarmWatcher,
  ) {
    this.startedVirtual = time.nowMs();
  }

  static async start(options: EngineOptions): Promise<EmbeddedEngine> {
    checkScenarioHooks(options.scenario, options.pipelines);
    // DynamoDB boots on real timers (dynalite activates tables with setTimeout) before time is faked.
    const dynamo = await startLocalDynamo(options.dataPath ? { path: options.dataPath } : {});
    const time = VirtualTime.install(options.scenario.startMs, { seed: options.scenario.seed });
    // Every DynamoDB request is work the clock waits for, wherever it comes from.
    dynamo.trackRequestsWith((work) => time.track(work));
    try {
      const store = new ObservedStore({
        client: dynamo.documentClient,
        tableName: dynamo.tableName,
        clock: time.clock,
      });
      const targets = fleetTargets(options.pipelines);
      const fleet = new FleetSimulator({ clock: time.clock, scenario: options.scenario, targets });
      const hooks = new SimulatedHooks(
        options.scenario.hooks,
        targets,
        (ms) => time.awayFor(ms),
        () => time.nowMs(),
      );
      const published = new RecordingPublisher();
      const deps: StepDeps = {
        store,
        router: fleet,
        alarms: fleet,
        metrics: fleet,
        clock: time.clock,
        log: options.log ?? silentLog,
        organisationAlarms: options.organisationAlarms ?? options.scenario.organisationAlarms,
        events: published,
        hooks,
        ...(options.deploymentMetrics ? { deploymentMetrics: options.deploymentMetrics } : {}),
      };
      const stepFunctions = loadStateMachines(time, deps);
      const watcher = connectAlarmWatcher({ time, fleet, deps, delivery: options.scenario.alarmEvents });
      const engine = new EmbeddedEngine(dynamo, time, store, fleet, stepFunctions, published, watcher);
      await scheduleScenarioBlocks(time, store, options.scenario);
      for (const pipeline of options.pipelines)
        await engine.io(() => store.putPipeline(pipeline, 'embedded-engine'));
      return engine;
    } catch (error) {
      time.uninstall();
      await dynamo.close();
      throw error;
    }
  }

  /** Listens to every timeline event as it is written. */
  onEvent(listener: (event: TimelineEvent) => void): void {
    this.store.listener = listener;
  }

  /** Starts a deployment execution, as StartExecution on the Deployment state machine would. */
  startDeployment(
    request: StartRequest | Record<string, unknown>,
    name?: string,
  ): { deploymentId: string; done: Promise<ExecutionOutcome> } {
    const executionName =
      name ??
      `d${String(++this.sequence).padStart(4, '0')}-${String((request as StartRequest).change?.id ?? 'change')
        .replace(/[^A-Za-z0-9_-]/g, '')
        .slice(0, 40)}`;
    const execution = this.stepFunctions.startExecution(
      stateMachineArn('Deployment'),
      request,
      executionName,
    );
    return { deploymentId: (request as StartRequest).deploymentId ?? executionName, done: execution.done };
  }

  /**
   * Starts the ReleaseRollback execution of a deployment, as StartExecution would (named by the
   * deployment id; started again while it runs, the same execution). The API's starter on this
   * engine ({@link apiStarter}) calls it.
   */
  startReleaseRollback(deploymentId: string): { executionArn: string; done: Promise<ExecutionOutcome> } {
    const known = this.releaseRollbacks.get(deploymentId);
    if (known) return known;
    const execution = this.stepFunctions.startExecution(
      stateMachineArn('ReleaseRollback'),
      { deploymentId },
      deploymentId,
    );
    const started = { executionArn: execution.arn, done: execution.done };
    this.releaseRollbacks.set(deploymentId, started);
    return started;
  }

  private readonly releaseRollbacks = new Map<
    string,
    { executionArn: string; done: Promise<ExecutionOutcome> }
  >();

  /** A WorkflowStarter over this engine, for the API's services (tests, `simulate`). */
  apiStarter(): WorkflowStarter {
    return {
      startDeployment: async (request) => {
        const { deploymentId } = this.startDeployment(request, request.deploymentId);
        return {
          executionArn: `${stateMachineArn('Deployment').replace(':stateMachine:', ':execution:')}:${deploymentId}`,
        };
      },
      startReleaseRollback: async ({ deploymentId }) => ({
        executionArn: this.startReleaseRollback(deploymentId).executionArn,
      }),
    };
  }

  /**
   * Runs real I/O outside any step (reading the store from a test or the CLI) without letting
   * virtual time move while it is in flight.
   */
  io<T>(work: () => Promise<T>): Promise<T> {
    return this.time.drive(this.time.track(work));
  }

  /** Runs virtual time until `promise` settles. */
  drive<T>(promise: Promise<T>, options?: { maxVirtualMs?: number }): Promise<T> {
    return this.time.drive(promise, options);
  }

  stats(): EngineStats {
    const executions = this.stepFunctions.executions;
    return {
      maxHistoryEvents: Math.max(0, ...executions.map((e) => e.historyEvents)),
      stateTransitions: executions.reduce((s, e) => s + e.stateTransitions, 0),
      // The step Lambdas and the alarm watcher.
      lambdaInvocations: this.stepFunctions.lambdaInvocations + this.watcher.invocations(),
      virtualSeconds: Math.round((this.time.nowMs() - this.startedVirtual) / 1000),
      wallSeconds: Math.round((performance.now() - this.startedWall) / 10) / 100,
      executions: executions.length,
    };
  }

  async close(): Promise<void> {
    this.watcher.stop();
    this.time.uninstall();
    await this.dynamo.close();
  }
}

/**
 * A scenario's hook entries must name hooks the pipelines have: a typo would otherwise make a
 * "the hook fails" scenario quietly succeed (an unmatched hook answers succeeded).
 */
function checkScenarioHooks(scenario: Scenario, pipelines: readonly ResolvedPipeline[]): void {
  const known = new Set(pipelines.flatMap((p) => p.waves.flatMap((w) => w.hooks.map((h) => h.name))));
  const issues = scenario.hooks.flatMap((h, i) =>
    known.has(h.name)
      ? []
      : [
          {
            path: `hooks[${i}].name`,
            message: `no pipeline wave has a hook named "${h.name}"${known.size > 0 ? ` (hooks: ${[...known].join(', ')})` : ' (the pipeline has no hooks)'}`,
            received: h.name,
          },
        ],
  );
  if (issues.length > 0) throw new InvalidInputError('scenario', issues);
}
