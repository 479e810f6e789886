import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { InvalidInputError } from '../core/errors.js';
import type { PipelineRecord } from '../ports/store.js';
import type { TriggerDeps } from './deps.js';
import { UnsupportedMediaTypeError } from './errors.js';
import {
  firstLine,
  planStarts,
  pushDeploymentId,
  refuseVetoed,
  type SkippedPipeline,
  type StartedDeployment,
  startAll,
  type TriggeredStart,
  utcInstant,
} from './triggers.js';

/*
 * What a GitHub webhook delivery does, once its signature is verified: `ping` answers, `push` to
 * a registered pipeline's source branch starts a deployment of the pushed commit on every such
 * pipeline, anything else is acknowledged and ignored.
 */

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Whether `X-Hub-Signature-256` is the HMAC-SHA256 of exactly these bytes with the webhook secret,
 * compared in constant time. The bytes are never decoded first: a body that is not valid UTF-8
 * would otherwise be verified on a different text than the one GitHub signed.
 * (@octokit/webhooks-methods signs strings only, hence node:crypto here.)
 *
 * @example isGithubSignatureValid(secret, rawBody(event), event.headers['x-hub-signature-256'])
 */
export function isGithubSignatureValid(secret: string, body: Uint8Array, signature: string): boolean {
  const given = SIGNATURE.exec(signature.trim())?.[1];
  if (given === undefined || body.byteLength === 0) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}

const ACCEPTED_TYPES =
  'application/json (or application/x-www-form-urlencoded with the JSON in a "payload" field)';

/**
 * The event of a verified delivery, read from the body as GitHub sends it: `application/json`,
 * or `application/x-www-form-urlencoded` with the JSON in the `payload` field (the webhook's two
 * content types). Bytes that are not valid UTF-8 are read as U+FFFD, after the signature check.
 * Throws UnsupportedMediaTypeError (415) for another content type, InvalidInputError (400) for
 * a body that does not hold JSON.
 *
 * @example parseGithubWebhookBody(event.headers['content-type'], rawBody(event))
 */
export function parseGithubWebhookBody(contentType: string | undefined, body: Uint8Array): unknown {
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  const text = new TextDecoder('utf-8').decode(body);
  if (mediaType === 'application/json') return parseJson(text, '');
  if (mediaType === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) {
      throw new InvalidInputError('webhook body', [
        {
          path: 'payload',
          message: 'expected the form field "payload" (the JSON of the event), got nothing',
        },
      ]);
    }
    return parseJson(payload, 'payload');
  }
  throw new UnsupportedMediaTypeError(
    `content type ${contentType === undefined ? 'none' : JSON.stringify(contentType)} is not accepted: send ${ACCEPTED_TYPES}`,
  );
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError('webhook body', [
      {
        path,
        message: `expected a JSON document (${(error as Error).message}): set the webhook content type to application/json`,
      },
    ]);
  }
}

/** The part of a `push` payload Breakwater reads; GitHub sends much more. */
export const GithubPushSchema = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: z.object({ full_name: z.string() }),
  head_commit: z.object({ message: z.string(), timestamp: z.string().optional() }).nullish(),
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
 * the ref is `refs/heads/<branch>`. A push that deletes the branch starts nothing. Each
 * deployment id is derived from the push (repository, ref, commit) and the pipeline, so the
 * same push, whatever its delivery id, names the same deployments.
 *
 * @example planGithubPush(push, await store.listPipelines()).starts.map((s) => s.deploymentId)
 */
export function planGithubPush(push: GithubPush, pipelines: readonly PipelineRecord[]): GithubPushPlan {
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
  const createdAt = utcInstant(push.head_commit?.timestamp);
  return planStarts(matching, (pipeline) => ({
    pipeline: pipeline.name,
    change: {
      id: push.after,
      ...(description !== undefined ? { description } : {}),
      ...(createdAt !== undefined ? { createdAt } : {}),
    },
    requestedBy: pusher ? `github:${pusher}`.slice(0, 200) : 'github',
    deploymentId: pushDeploymentId(
      'gh',
      { repository: push.repository.full_name, ref: push.ref, commit: push.after },
      pipeline.name,
    ),
  }));
}

export interface GithubDelivery {
  /** `X-GitHub-Event`. */
  readonly event: string;
  /** `X-GitHub-Delivery`: logged only; deployments are named by what was pushed. */
  readonly deliveryId: string;
  /** The parsed JSON body, signature already verified. */
  readonly payload: unknown;
}

export type GithubDeliveryResult =
  | { readonly statusCode: 200; readonly body: { readonly ok: true } }
  | { readonly statusCode: 202; readonly body: { readonly ignored: string } }
  | {
      /** 200 when every matching deployment was a duplicate (nothing started), else 202. */
      readonly statusCode: 200 | 202;
      readonly body: {
        readonly deployments: StartedDeployment[];
        readonly skipped: readonly SkippedPipeline[];
      };
    };

/**
 * Acts on one verified delivery. For a push: one store call for the pipelines, then one read per
 * matching pipeline (is that deployment there already?); none for other events.
 */
export async function handleGithubDelivery(
  deps: TriggerDeps,
  delivery: GithubDelivery,
  parsePush: (payload: unknown) => GithubPush,
): Promise<GithubDeliveryResult> {
  if (delivery.event === 'ping') return { statusCode: 200, body: { ok: true } };
  if (delivery.event !== 'push') return { statusCode: 202, body: { ignored: delivery.event } };
  const push = parsePush(delivery.payload);
  const plan = await refuseVetoed(deps, planGithubPush(push, await deps.store.listPipelines()));
  for (const skip of plan.skipped)
    deps.log.warn('push not deployed', { ...skip, deliveryId: delivery.deliveryId });
  const deployments = await startAll(deps, plan.starts);
  const onlyDuplicates = deployments.length > 0 && deployments.every((d) => d.duplicate);
  return { statusCode: onlyDuplicates ? 200 : 202, body: { deployments, skipped: plan.skipped } };
}
