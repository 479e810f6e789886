import type { ManualBlockScope } from '../core/blockers.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import type { ReleaseRollbackMode } from '../core/release-rollback.js';

/*
 * The deployment store: pipelines (versioned), deployments, per-wave and per-target progress,
 * an append-only event timeline, and per-alias locks. Every write is a single-item conditional
 * write, so the local DynamoDB stand-in (no transactions) covers every code path.
 */

export interface PipelineRecord {
  readonly name: string;
  readonly version: number;
  readonly definition: ResolvedPipeline;
  readonly registeredAt: string;
  readonly registeredBy?: string;
}

/** What is being deployed. */
export interface ChangeRef {
  /** Change id: a commit sha, a build id... */
  readonly id: string;
  readonly description?: string;
  /** For `versions` artifacts: one version for every target. */
  readonly version?: string;
  /** For `versions` artifacts: a version per target id (wins over `version`). */
  readonly versions?: Readonly<Record<string, string>>;
  /**
   * When the change was created or pushed (ISO 8601): the head commit's time for a GitHub push,
   * the event's time for CodeCommit, or as the start request says. Lead time counts from it.
   */
  readonly createdAt?: string;
}

export type DeploymentStatus =
  | 'running'
  | 'rolling_back'
  | 'succeeded'
  | 'rolled_back'
  | 'failed'
  | 'superseded'
  | 'expired';
/**
 * How a deployment ended. `expired`: it waited for blockers, windows or alias locks longer than
 * the pipeline's maxHold, gave up, and took every target it had moved back to the previous version.
 */
export type DeploymentOutcome = 'succeeded' | 'rolled_back' | 'failed' | 'superseded' | 'expired';

export interface RollbackInfo {
  readonly reason: string;
  readonly alarm?: string;
  /** When the alarm that triggered the rollback entered ALARM (CloudWatch's time), if an alarm did. */
  readonly alarmAt?: string;
  /** What noticed it: the alarm watcher (an EventBridge alarm event), a workflow check, or a failed step. */
  readonly triggeredBy?:
    | 'alarm-event'
    | 'check'
    | 'step'
    | 'hold-expired'
    | 'hook'
    | 'release-rollback'
    | 'veto';
  readonly detectedAt: string;
  readonly trafficOffAt?: string;
}

export interface DeploymentRecord {
  readonly id: string;
  readonly pipelineName: string;
  readonly pipelineVersion: number;
  readonly change: ChangeRef;
  readonly status: DeploymentStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly endedAt?: string;
  readonly requestedBy?: string;
  readonly currentWave?: number;
  readonly cancelRequest?: { readonly by: string; readonly reason: string; readonly at: string };
  readonly rollback?: RollbackInfo;
  /** An expedited change: shorter bakes under the pipeline's expedite policy, once approved. */
  readonly expedite?: ExpediteRequest;
  /**
   * While a start is held (blockers, window, lock): since when, and by what. `{}` when not held.
   * `kinds` (sorted) have held it since `kindsSince`; when they change or the hold ends, that
   * segment's seconds are added to {@link heldSeconds}.
   */
  readonly hold?: {
    readonly since?: string;
    readonly what?: string;
    readonly kinds?: readonly string[];
    readonly kindsSince?: string;
  };
  /** Seconds this deployment was held by each blocker kind, for the parts of holds that ended. */
  readonly heldSeconds?: Readonly<Record<string, number>>;
  /** Why the deployment ended without running (superseded by a newer change...). */
  readonly endReason?: string;
  /** A finished (succeeded) release someone asked to take back: see {@link ReleaseRollbackRequest}. */
  readonly releaseRollback?: ReleaseRollbackRequest;
  /**
   * Set on every deployment of a change when the change is vetoed; `lifted` is added when the
   * veto is lifted. The change counts as vetoed while `veto` is present without `lifted`.
   */
  readonly veto?: DeploymentVeto;
}

/**
 * A request to roll back a release that had succeeded: every target it moved goes back to the
 * version it served before, never held by blockers or windows (the ReleaseRollback workflow).
 */
export interface ReleaseRollbackRequest {
  readonly by: string;
  readonly reason: string;
  readonly mode: ReleaseRollbackMode;
  readonly requestedAt: string;
  /** When the release had succeeded (its `endedAt` then; `endedAt` becomes the rollback's end). */
  readonly releasedAt?: string;
  /** Targets the caller chose to leave as they are (`force`), with the deployment that has them. */
  readonly leave: readonly { readonly targetId: string; readonly deploymentId: string }[];
  /** Set when someone asked, during a reverse-waves rollback, to take the rest back at once. */
  readonly hurriedBy?: string;
}

/** Who marked a change bad, why and when: one person's recorded decision. */
export interface VetoAction {
  readonly by: string;
  readonly reason: string;
  readonly at: string;
}

/** A veto as copied onto a deployment record (the metrics read it from there). */
export interface DeploymentVeto extends VetoAction {
  /** The lift of this veto, once lifted. */
  readonly lifted?: VetoAction;
}

/**
 * The veto of one change of one pipeline: its state now (`status`, with the veto in force or the
 * last one lifted) and every veto and lift ever recorded for it, oldest first.
 */
export interface VetoRecord {
  readonly pipelineName: string;
  readonly changeId: string;
  readonly status: 'vetoed' | 'lifted';
  /** The latest veto (in force while `status` is `vetoed`). */
  readonly vetoed: VetoAction;
  /** The latest lift (when `status` is `lifted`). */
  readonly lifted?: VetoAction;
  readonly history: readonly ({ readonly action: 'vetoed' | 'lifted' } & VetoAction)[];
}

export interface ExpediteRequest {
  readonly requestedBy: string;
  readonly reason: string;
  readonly requestedAt: string;
  /** Someone other than the requester; until then the change runs at normal speed... or waits. */
  readonly approvedBy?: string;
  readonly approvedAt?: string;
}

export type WaveStatus =
  | 'pending'
  | 'waiting'
  | 'deploying'
  | 'baking'
  | 'succeeded'
  | 'rolled_back'
  | 'failed';

export interface BakeProgress {
  readonly phase: 'one-box' | 'rolling' | 'wave';
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly minDataPoints: number;
  readonly dataPoints: number;
  /** When `dataPoints` were counted (they are counted once the bake's time is up); absent before. */
  readonly dataPointsAt?: string;
  readonly verdict: 'baking' | 'inconclusive' | 'baked' | 'failed';
  /**
   * What the last check that changed something found, without elapsed time (a poll that changes
   * nothing writes nothing, so a time written here would go stale): see describeBake.
   */
  readonly note?: string;
  /** When an inconclusive bake fails safe (start + duration + inconclusiveTimeout). */
  readonly failsAt?: string;
  readonly alarms: readonly { readonly name: string; readonly state: string }[];
}

export interface WaveRecord {
  readonly deploymentId: string;
  readonly index: number;
  readonly name: string;
  readonly status: WaveStatus;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly bake?: BakeProgress;
  /** While the wave waits to start: what holds it, since when. */
  readonly blocked?: WaveBlockedState;
  /** Answers of the wave's own hooks, by `<at>:<hook name>`. */
  readonly hooks?: Readonly<Record<string, HookResult>>;
  /** When a release rollback had taken every target of this wave back (after the wave had succeeded). */
  readonly rolledBackAt?: string;
}

/** One hook's answer, as recorded. */
export interface HookResult {
  readonly status: 'succeeded' | 'failed';
  readonly reason?: string;
  readonly at: string;
}

export interface WaveBlockedState {
  readonly since: string;
  readonly blockers: readonly {
    readonly id: string;
    readonly kind: string;
    readonly description: string;
    readonly until?: string;
  }[];
}

export type TargetStatus =
  | 'pending'
  | 'waiting_for_lock'
  | 'blocked'
  | 'prepared'
  | 'one_box'
  | 'rolling'
  | 'deployed'
  | 'rolled_back'
  | 'failed';

export interface TargetRecord {
  readonly deploymentId: string;
  readonly waveIndex: number;
  readonly targetId: string;
  readonly status: TargetStatus;
  /** The version that served all traffic before this deployment touched the alias. */
  readonly previousVersion?: string;
  readonly newVersion?: string;
  /** Percent of traffic on the new version as last applied. */
  readonly weight: number;
  readonly stepIndex?: number;
  readonly updatedAt: string;
  readonly bake?: BakeProgress;
  /**
   * The deployment whose new version `previousVersion` was when this one took the alias (pipelining:
   * a newer change takes a target as soon as the older one's wave is done there). If that
   * deployment rolls back, this one's rollback restores what that one would have (see roll-back).
   */
  readonly previousOwner?: TargetRef;
  /** Answers of this target's hooks, by `<at>:<hook name>`. */
  readonly hooks?: Readonly<Record<string, HookResult>>;
  /**
   * The statistical one-box analysis of this target (when the wave asks for one): the latest
   * verdict of each rollout step it was judged in, by step index ("0": the one-box).
   */
  readonly analysis?: Readonly<Record<string, AnalysisRecord>>;
}

/** One step's latest analysis verdict on a target. */
export interface AnalysisRecord {
  readonly verdict: 'pass' | 'marginal' | 'fail' | 'inconclusive';
  readonly reason: string;
  /** The rollout step it was judged in (0: the one-box). */
  readonly step: number;
  readonly at: string;
}

/** One target of one deployment. */
export interface TargetRef {
  readonly deploymentId: string;
  readonly waveIndex: number;
  readonly targetId: string;
}

/** The deployment that last took an alias (written under its lock, before it records the target). */
export interface AliasOwner extends TargetRef {
  readonly aliasKey: string;
  /** The version it puts there. */
  readonly version: string;
  /** Its `previousOwner`, kept so that a retried prepare finds it again. */
  readonly previousOwner?: TargetRef;
  readonly at: string;
}

export interface TimelineEvent {
  readonly deploymentId: string;
  readonly at: string;
  /** Idempotency key: the same key is written once, however often a step retries. */
  readonly key: string;
  readonly type: string;
  readonly message: string;
  readonly wave?: number;
  readonly target?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface DeploymentView {
  readonly deployment: DeploymentRecord;
  readonly waves: readonly WaveRecord[];
  readonly targets: readonly TargetRecord[];
  readonly events: readonly TimelineEvent[];
  readonly overrides: readonly OverrideRecord[];
}

/** A manual block: holds matching waves before they start (never a rollback). */
export interface BlockerRecord {
  readonly id: string;
  readonly scope: ManualBlockScope;
  readonly reason: string;
  readonly author: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
}

/** A named person's decision to go ahead despite one blocker, for one deployment. */
export interface OverrideRecord {
  readonly deploymentId: string;
  /** `alarm:<name>`, `window` or `manual:<id>`. */
  readonly blockerId: string;
  readonly by: string;
  readonly reason: string;
  /** Alarm overrides only count when they ship the fix for that alarm. */
  readonly fixesAlarm?: boolean;
  readonly at: string;
}

/**
 * One alarm watched for one wave of a deployment: written when a check starts watching it,
 * removed when the wave ends. The alarm watcher finds every deployment watching an alarm with
 * one Query on (account, region, alarm name).
 */
export interface WatchRecord {
  readonly account: string;
  readonly region: string;
  readonly alarmName: string;
  readonly deploymentId: string;
  readonly waveIndex: number;
  /** Ids of the targets the alarm watches in this wave (grows as batches start). */
  readonly targets: readonly string[];
  /** When watching began (the first write). */
  readonly since: string;
}

/** Which alarm a watch is on. */
export interface WatchedAlarm {
  readonly account: string;
  readonly region: string;
  readonly alarmName: string;
}

export type LockResult = { readonly acquired: true } | { readonly acquired: false; readonly holder: string };

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

type Patch<T> = Partial<Omit<T, 'deploymentId' | 'id' | 'index' | 'waveIndex' | 'targetId'>>;

export interface DeploymentStore {
  /** Registers a new version of a pipeline definition; returns the record written. */
  putPipeline(definition: ResolvedPipeline, registeredBy?: string): Promise<PipelineRecord>;
  /** The given version, or the latest when `version` is omitted. */
  getPipeline(name: string, version?: number): Promise<PipelineRecord | undefined>;
  listPipelines(): Promise<PipelineRecord[]>;

  /** Fails with ConflictError (carrying the existing record) when the id exists. */
  createDeployment(record: DeploymentRecord): Promise<void>;
  getDeployment(id: string): Promise<DeploymentRecord | undefined>;
  /**
   * Applies `patch`; with `onlyIfStatusIn`, only when the current status is one of them
   * (ConflictError otherwise, carrying the current record). Returns the updated record.
   */
  updateDeployment(
    id: string,
    patch: Patch<DeploymentRecord>,
    options?: {
      readonly onlyIfStatusIn?: readonly DeploymentStatus[];
      /** Only while the expedite request has no approver yet (ConflictError otherwise). */
      readonly onlyIfExpediteUnapproved?: boolean;
      /**
       * Only while the open hold segment began at this instant (`hold.kindsSince`); `null`: only
       * while none is open. ConflictError otherwise: another step accounted for it first.
       */
      readonly onlyIfHoldSegment?: string | null;
    },
  ): Promise<DeploymentRecord>;
  listDeployments(
    pipelineName: string,
    page?: { readonly limit?: number; readonly cursor?: string },
  ): Promise<Page<DeploymentRecord>>;
  /**
   * Every deployment of a pipeline created in [from, to) (ISO instants), oldest first: one Query
   * of the pipeline's index, paginated internally.
   */
  listDeploymentsCreatedBetween(pipelineName: string, from: string, to: string): Promise<DeploymentRecord[]>;
  /** The oldest deployment of a pipeline created at or after `from` that succeeded, if any: one Query. */
  firstSucceededDeploymentFrom(pipelineName: string, from: string): Promise<DeploymentRecord | undefined>;

  putWave(record: WaveRecord): Promise<void>;
  getWave(deploymentId: string, index: number): Promise<WaveRecord | undefined>;
  updateWave(deploymentId: string, index: number, patch: Patch<WaveRecord>): Promise<void>;
  putTarget(record: TargetRecord): Promise<void>;
  updateTarget(
    deploymentId: string,
    waveIndex: number,
    targetId: string,
    patch: Patch<TargetRecord>,
  ): Promise<void>;
  /** Every target record of a deployment, or of one of its waves. */
  getTargets(deploymentId: string, waveIndex?: number): Promise<TargetRecord[]>;

  /** Appends once per `key`; a repeat with the same key is a no-op. */
  appendEvent(event: TimelineEvent): Promise<void>;
  /** Everything about one deployment in one query (paginated internally). */
  getDeploymentView(id: string): Promise<DeploymentView | undefined>;

  /** Fails with ConflictError when the id exists. */
  putBlocker(record: BlockerRecord): Promise<void>;
  /** Removes a blocker; returns what was removed, or undefined when there was none. */
  removeBlocker(id: string): Promise<BlockerRecord | undefined>;
  listBlockers(): Promise<BlockerRecord[]>;
  /** Records an override once per (deployment, blocker); a repeat keeps the first. */
  putOverride(record: OverrideRecord): Promise<void>;
  listOverrides(deploymentId: string): Promise<OverrideRecord[]>;

  /** Starts (or widens to more targets) a watch; `since` is kept from the first write. */
  putWatch(record: WatchRecord): Promise<void>;
  /** Every deployment wave watching this alarm now. */
  listWatches(alarm: WatchedAlarm): Promise<WatchRecord[]>;
  /** Ends the watches of one wave of a deployment on these alarms (absent ones are ignored). */
  removeWatches(deploymentId: string, waveIndex: number, alarms: readonly WatchedAlarm[]): Promise<void>;

  /** Takes the lock on an alias for a deployment; re-entrant for the same holder. */
  acquireLock(aliasKey: string, holder: string, at: string): Promise<LockResult>;
  /** Releases the lock if `holder` holds it; a no-op otherwise. */
  releaseLock(aliasKey: string, holder: string): Promise<void>;

  /** Who last took an alias (kept after its lock is released), or undefined if no one has. */
  getAliasOwner(aliasKey: string): Promise<AliasOwner | undefined>;
  /** Records who takes an alias now; call only while holding its lock. */
  putAliasOwner(record: AliasOwner): Promise<void>;

  /**
   * Vetoes a change of a pipeline unless a veto is in force: returns the record and whether this
   * call vetoed it (`false`: it was already vetoed, and the veto in force is kept as it is).
   */
  putVeto(
    pipelineName: string,
    changeId: string,
    action: VetoAction,
  ): Promise<{ readonly record: VetoRecord; readonly created: boolean }>;
  /**
   * Lifts the veto in force: returns the record and whether this call lifted it (`false`: it was
   * already lifted, kept as it is). NotFoundError when the change was never vetoed.
   */
  liftVeto(
    pipelineName: string,
    changeId: string,
    action: VetoAction,
  ): Promise<{ readonly record: VetoRecord; readonly lifted: boolean }>;
  getVeto(pipelineName: string, changeId: string): Promise<VetoRecord | undefined>;
  /** Every change of the pipeline ever vetoed (in force or lifted). */
  listVetoes(pipelineName: string): Promise<VetoRecord[]>;
}
