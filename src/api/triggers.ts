import { createHash } from 'node:crypto';
import { ConflictError } from '../core/errors.js';
import type { StartRequest } from '../core/start-request.js';
import { refusalOfVetoedChange } from '../core/veto.js';
import { isoAt } from '../ports/clock.js';
import type { DeploymentStatus, PipelineRecord } from '../ports/store.js';
import { vetoInForce } from '../workflow/veto.js';
import type { TriggerDeps } from './deps.js';

/*
 * What the GitHub and CodeCommit triggers share: a deployment id derived from what triggered it
 * (so the same event again names the same deployment), and starting every matching pipeline
 * unless that deployment already exists.
 */

const DEPLOYMENT_ID = /^[A-Za-z0-9_-]{1,80}$/;
const HASH_CHARS = 16;

/**
 * `<prefix>-<delivery>-<pipeline>` when that is a valid deployment id (≤ 80 chars of
 * `[A-Za-z0-9_-]`); otherwise a readable, sanitised prefix of it plus a hash of the whole, so two
 * deliveries or two pipelines never share an id.
 *
 * @example triggeredDeploymentId('gh', '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'payments')
 * // 'gh-72d3162e-cc78-11e3-81ab-4c9367dc0958-payments'
 */
export function triggeredDeploymentId(prefix: string, delivery: string, pipeline: string): string {
  const raw = `${prefix}-${delivery}-${pipeline}`;
  if (DEPLOYMENT_ID.test(raw)) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, HASH_CHARS);
  const readable = raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80 - HASH_CHARS - 1);
  return `${readable}-${hash}`;
}

/**
 * The deployment id of a push to one pipeline: derived from what was pushed (repository, ref,
 * commit) and the pipeline, never from the delivery. A captured, correctly signed push sent again
 * under a new `X-GitHub-Delivery` therefore names the same deployment and starts nothing. Readable
 * `<prefix>-<commit[0..12]>-<pipeline>` (truncated, other characters as `_`) plus 16 hex of a
 * SHA-256 of the whole key; the repository is compared case-insensitively, as GitHub does.
 *
 * @example pushDeploymentId('gh', { repository: 'acme/payments', ref: 'refs/heads/main', commit: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' }, 'payments')
 * // 'gh-6113728f27ae-payments-<16 hex>'
 */
export function pushDeploymentId(
  prefix: string,
  push: { readonly repository: string; readonly ref: string; readonly commit: string },
  pipeline: string,
): string {
  const commit = push.commit.toLowerCase();
  const key = [prefix, push.repository.toLowerCase(), push.ref, commit, pipeline].join('\n');
  const hash = createHash('sha256').update(key).digest('hex').slice(0, HASH_CHARS);
  const readable = `${prefix}-${commit.slice(0, 12)}-${pipeline}`
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 80 - HASH_CHARS - 1);
  return `${readable}-${hash}`;
}

/** A deployment a trigger decided to start. */
export type TriggeredStart = StartRequest & { readonly pipeline: string; readonly deploymentId: string };

/** A matching pipeline the trigger could not start, and why. */
export interface SkippedPipeline {
  readonly pipeline: string;
  readonly reason: string;
}

export interface StartedDeployment {
  readonly pipeline: string;
  readonly deploymentId: string;
  readonly executionArn?: string;
  /** This change was already started on the pipeline, as `deploymentId`: nothing new started. */
  readonly duplicate?: true;
  /** For a duplicate: that deployment's status, when its record is there yet. */
  readonly status?: DeploymentStatus;
  /** For a duplicate: what happened and how to deploy the change again on purpose. */
  readonly message?: string;
}

/** Why a push cannot start a pipeline whose artifact is `versions`. */
export function versionsSkip(pipeline: PipelineRecord): SkippedPipeline | undefined {
  if (pipeline.definition.artifact.type !== 'versions') return undefined;
  return {
    pipeline: pipeline.name,
    reason:
      'the pipeline deploys published Lambda versions, which a push cannot name: start it with ' +
      `POST /pipelines/${pipeline.name}/deployments and a change.version`,
  };
}

/**
 * What a trigger starts: one deployment per matching pipeline, except pipelines whose artifact
 * needs versions a commit cannot name (skipped, with the reason).
 */
export function planStarts(
  matching: readonly PipelineRecord[],
  start: (pipeline: PipelineRecord) => TriggeredStart,
): { starts: TriggeredStart[]; skipped: SkippedPipeline[] } {
  const starts: TriggeredStart[] = [];
  const skipped: SkippedPipeline[] = [];
  for (const pipeline of matching) {
    const skip = versionsSkip(pipeline);
    if (skip) skipped.push(skip);
    else starts.push(start(pipeline));
  }
  return { starts, skipped };
}

/**
 * Takes the starts whose change is vetoed on their pipeline out of the plan, as skipped with the
 * veto (who, when, why) and how to lift it. One read per start.
 */
export async function refuseVetoed(
  deps: Pick<TriggerDeps, 'store'>,
  plan: { readonly starts: readonly TriggeredStart[]; readonly skipped: readonly SkippedPipeline[] },
): Promise<{ starts: TriggeredStart[]; skipped: SkippedPipeline[] }> {
  const vetoes = await Promise.all(plan.starts.map((s) => vetoInForce(deps, s.pipeline, s.change.id)));
  const starts = plan.starts.filter((_, i) => vetoes[i] === undefined);
  const refused = plan.starts.flatMap((s, i) => {
    const veto = vetoes[i];
    return veto
      ? [{ pipeline: s.pipeline, reason: refusalOfVetoedChange(s.pipeline, s.change.id, veto.vetoed) }]
      : [];
  });
  return { starts, skipped: [...plan.skipped, ...refused] };
}

/**
 * Starts each deployment unless it is a duplicate: its record exists (one read), or the starter
 * refuses the id (ConflictError, or Step Functions' ExecutionAlreadyExists once the execution has
 * ended). A duplicate that comes before the workflow's first step wrote the record is started
 * again under the same id, which the starter's idempotency turns into the same execution: it is
 * never a second deployment, only reported as started rather than as a duplicate.
 */
export async function startAll(
  deps: Pick<TriggerDeps, 'store' | 'starter' | 'log'>,
  starts: readonly TriggeredStart[],
): Promise<StartedDeployment[]> {
  return Promise.all(
    starts.map(async (request): Promise<StartedDeployment> => {
      const existing = await deps.store.getDeployment(request.deploymentId);
      if (existing) return duplicate(deps, request, existing.status);
      try {
        const { executionArn } = await deps.starter.startDeployment(request);
        deps.log.info('deployment started', {
          pipeline: request.pipeline,
          deploymentId: request.deploymentId,
        });
        return { pipeline: request.pipeline, deploymentId: request.deploymentId, executionArn };
      } catch (error) {
        if (!isAlreadyStarted(error)) throw error;
        // The starter names an execution, not a deployment record: no deployment status to report.
        return duplicate(deps, request, undefined);
      }
    }),
  );
}

function duplicate(
  deps: Pick<TriggerDeps, 'log'>,
  request: TriggeredStart,
  status: DeploymentStatus | undefined,
): StartedDeployment {
  deps.log.info('deployment already started', {
    pipeline: request.pipeline,
    deploymentId: request.deploymentId,
  });
  return {
    pipeline: request.pipeline,
    deploymentId: request.deploymentId,
    duplicate: true,
    ...(status !== undefined ? { status } : {}),
    message:
      `change ${request.change.id} was already started as deployment ${request.deploymentId}` +
      `${status !== undefined ? ` (${status})` : ''}: nothing new started; ` +
      `to deploy it again, POST /pipelines/${request.pipeline}/deployments`,
  };
}

function isAlreadyStarted(error: unknown): boolean {
  return (
    error instanceof ConflictError || (error instanceof Error && error.name === 'ExecutionAlreadyExists')
  );
}

/** The first line of a commit message, within the 500 characters a change description allows. */
export function firstLine(message: string | null | undefined): string | undefined {
  const line = message?.split(/\r?\n/, 1)[0]?.trim();
  if (!line) return undefined;
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

/**
 * A timestamp from a trigger's payload as a UTC ISO instant (the form lead time is computed
 * from), or undefined when it is absent or not a time.
 *
 * @example utcInstant('2026-11-20T15:04:05-05:00') // '2026-11-20T20:04:05.000Z'
 */
export function utcInstant(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : isoAt(ms);
}
