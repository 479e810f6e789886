import { z } from 'zod';
import type { PipelineRecord } from '../ports/store.js';
import type { TriggerDeps } from './deps.js';
import {
  firstLine,
  planStarts,
  type SkippedPipeline,
  type StartedDeployment,
  startAll,
  type TriggeredStart,
  triggeredDeploymentId,
} from './triggers.js';

/*
 * What a GitHub webhook delivery does, once its signature is verified: `ping` answers, `push` to
 * a registered pipeline's source branch starts a deployment of the pushed commit on every such
 * pipeline, anything else is acknowledged and ignored.
 */

/** The part of a `push` payload Breakwater reads; GitHub sends much more. */
export const GithubPushSchema = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: z.object({ full_name: z.string() }),
  head_commit: z.object({ message: z.string() }).nullish(),
  pusher: z.object({ name: z.string().optional() }).optional(),
  sender: z.object({ login: z.string().optional() }).optional(),
});
export type GithubPush = z.output<typeof GithubPushSchema>;

const ZERO_SHA = /^0+$/;

export interface GithubPushPlan {
  readonly starts: readonly TriggeredStart[];
  readonly skipped: readonly SkippedPipeline[];
}

/**
 * Decides which deployments a push starts. Pure: a pipeline matches when its source is GitHub,
 * `owner/repo` equals the repository's full name (case-insensitively, as GitHub treats it) and
 * the ref is `refs/heads/<branch>`. A push that deletes the branch starts nothing.
 *
 * @example planGithubPush(push, await store.listPipelines(), deliveryId).starts.map((s) => s.deploymentId)
 */
export function planGithubPush(
  push: GithubPush,
  pipelines: readonly PipelineRecord[],
  deliveryId: string,
): GithubPushPlan {
  if (push.deleted === true || ZERO_SHA.test(push.after)) return { starts: [], skipped: [] };
  const repository = push.repository.full_name.toLowerCase();
  const matching = pipelines.filter((p) => {
    const source = p.definition.source;
    return (
      source.type === 'github' &&
      `${source.owner}/${source.repo}`.toLowerCase() === repository &&
      push.ref === `refs/heads/${source.branch}`
    );
  });
  const pusher = push.pusher?.name ?? push.sender?.login;
  const description = firstLine(push.head_commit?.message);
  return planStarts(matching, (pipeline) => ({
    pipeline: pipeline.name,
    change: { id: push.after, ...(description !== undefined ? { description } : {}) },
    requestedBy: pusher ? `github:${pusher}`.slice(0, 200) : 'github',
    deploymentId: triggeredDeploymentId('gh', deliveryId, pipeline.name),
  }));
}

export interface GithubDelivery {
  /** `X-GitHub-Event`. */
  readonly event: string;
  /** `X-GitHub-Delivery`: the same for a redelivery, so it names the deployments. */
  readonly deliveryId: string;
  /** The parsed JSON body, signature already verified. */
  readonly payload: unknown;
}

export type GithubDeliveryResult =
  | { readonly statusCode: 200; readonly body: { readonly ok: true } }
  | { readonly statusCode: 202; readonly body: { readonly ignored: string } }
  | {
      readonly statusCode: 202;
      readonly body: {
        readonly deployments: StartedDeployment[];
        readonly skipped: readonly SkippedPipeline[];
      };
    };

/** Acts on one verified delivery. One store call (the pipelines) for a push; none otherwise. */
export async function handleGithubDelivery(
  deps: TriggerDeps,
  delivery: GithubDelivery,
  parsePush: (payload: unknown) => GithubPush,
): Promise<GithubDeliveryResult> {
  if (delivery.event === 'ping') return { statusCode: 200, body: { ok: true } };
  if (delivery.event !== 'push') return { statusCode: 202, body: { ignored: delivery.event } };
  const push = parsePush(delivery.payload);
  const plan = planGithubPush(push, await deps.store.listPipelines(), delivery.deliveryId);
  for (const skip of plan.skipped) deps.log.warn('push not deployed', { ...skip });
  const deployments = await startAll(deps, plan.starts);
  return { statusCode: 202, body: { deployments, skipped: plan.skipped } };
}
