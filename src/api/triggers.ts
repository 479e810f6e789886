import { createHash } from 'node:crypto';
import { ConflictError } from '../core/errors.js';
import type { PipelineRecord } from '../ports/store.js';
import type { StartRequest } from '../workflow/inputs.js';
import type { TriggerDeps } from './deps.js';

/*
 * What the GitHub and CodeCommit triggers share: a deployment id derived from the delivery (so a
 * redelivered event names the same deployment, and the starter's per-id idempotency makes it a
 * no-op), and starting every matching pipeline.
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
  /** The same delivery was already handled: nothing new started. */
  readonly alreadyStarted?: boolean;
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
 * Starts each deployment. A start the starter reports as already existing (ConflictError, or
 * Step Functions' ExecutionAlreadyExists) is the redelivery of an event already handled.
 */
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

export async function startAll(
  deps: Pick<TriggerDeps, 'starter' | 'log'>,
  starts: readonly TriggeredStart[],
): Promise<StartedDeployment[]> {
  return Promise.all(
    starts.map(async (request): Promise<StartedDeployment> => {
      try {
        const { executionArn } = await deps.starter.startDeployment(request);
        deps.log.info('deployment started', {
          pipeline: request.pipeline,
          deploymentId: request.deploymentId,
        });
        return { pipeline: request.pipeline, deploymentId: request.deploymentId, executionArn };
      } catch (error) {
        if (!isAlreadyStarted(error)) throw error;
        deps.log.info('deployment already started', {
          pipeline: request.pipeline,
          deploymentId: request.deploymentId,
        });
        return { pipeline: request.pipeline, deploymentId: request.deploymentId, alreadyStarted: true };
      }
    }),
  );
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
