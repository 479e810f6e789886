import * as z from 'zod';
import type { PipelineRecord } from '../ports/store.js';
import type { TriggerDeps } from './deps.js';
import {
  planStarts,
  refuseVetoed,
  type SkippedPipeline,
  type StartedDeployment,
  startAll,
  type TriggeredStart,
  triggeredDeploymentId,
  utcInstant,
} from './triggers.js';

/*
 * CodeCommit pushes arrive as EventBridge "CodeCommit Repository State Change" events. A branch
 * created or moved to a commit starts a deployment of that commit on every pipeline whose
 * CodeCommit source names the repository and branch (and the account and region, if it names
 * them). Everything else is acknowledged and ignored: throwing would only make EventBridge retry.
 */

/** The part of the event Breakwater reads. */
export const CodeCommitEventSchema = z.object({
  id: z.string().min(1),
  source: z.literal('aws.codecommit'),
  'detail-type': z.literal('CodeCommit Repository State Change'),
  account: z.string(),
  region: z.string(),
  /** When the reference changed (EventBridge's event time). */
  time: z.string().optional(),
  detail: z.object({
    event: z.string(),
    referenceType: z.string().optional(),
    referenceName: z.string().optional(),
    repositoryName: z.string(),
    commitId: z.string().optional(),
    callerUserArn: z.string().optional(),
  }),
});
export type CodeCommitEvent = z.output<typeof CodeCommitEventSchema>;

const STARTING_EVENTS = new Set(['referenceUpdated', 'referenceCreated']);

/**
 * The EventBridge rule pattern that sends CodeCommit pushes to the trigger. The CDK rule
 * (infra/constructs/control-plane.ts) and the local control plane's `POST /triggers/codecommit`
 * both use it, so what reaches the handler on AWS is what reaches it locally.
 */
export const CODECOMMIT_REFERENCE_PATTERN = {
  source: ['aws.codecommit'],
  'detail-type': ['CodeCommit Repository State Change'],
  detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'] },
} as const;

export type CodeCommitResult =
  | { readonly ignored: string }
  | { readonly deployments: StartedDeployment[]; readonly skipped: readonly SkippedPipeline[] };

/**
 * Decides which deployments a CodeCommit event starts. Pure.
 *
 * @example planCodeCommitEvent(event, await store.listPipelines()).starts
 */
export function planCodeCommitEvent(
  event: CodeCommitEvent,
  pipelines: readonly PipelineRecord[],
): { starts: TriggeredStart[]; skipped: SkippedPipeline[] } {
  const { detail } = event;
  const commitId = detail.commitId;
  if (commitId === undefined) return { starts: [], skipped: [] };
  const createdAt = utcInstant(event.time);
  const matching = pipelines.filter((p) => sourceMismatch(p, event) === undefined);
  return planStarts(matching, (pipeline) => ({
    pipeline: pipeline.name,
    change: {
      id: commitId,
      description: `${detail.event} ${detail.repositoryName}@${detail.referenceName}`.slice(0, 500),
      ...(createdAt !== undefined ? { createdAt } : {}),
    },
    requestedBy: (detail.callerUserArn ?? 'codecommit').slice(0, 200),
    deploymentId: triggeredDeploymentId('cc', event.id, pipeline.name),
  }));
}

/**
 * Handles any event delivered to the CodeCommit rule: returns a summary, and throws only when
 * reading pipelines or starting a deployment fails (EventBridge then retries; the deployment id
 * comes from the event id, so a retry never starts a second deployment).
 */
export async function handleCodeCommitEvent(deps: TriggerDeps, raw: unknown): Promise<CodeCommitResult> {
  const parsed = CodeCommitEventSchema.safeParse(raw);
  if (!parsed.success) return { ignored: 'not a CodeCommit repository state change' };
  const { detail } = parsed.data;
  if (!STARTING_EVENTS.has(detail.event)) return { ignored: `event ${detail.event}` };
  if (detail.referenceType !== 'branch')
    return { ignored: `reference type ${detail.referenceType ?? 'unknown'}` };
  if (detail.commitId === undefined) return { ignored: 'no commitId' };
  const plan = await refuseVetoed(deps, planCodeCommitEvent(parsed.data, await deps.store.listPipelines()));
  for (const skip of plan.skipped) deps.log.warn('push not deployed', { ...skip });
  const deployments = await startAll(deps, plan.starts);
  return { deployments, skipped: plan.skipped };
}

/**
 * Why a pipeline's source does not take this event, from the closest miss: not CodeCommit,
 * another repository, another branch, another account or region. Undefined when it takes it.
 */
function sourceMismatch(pipeline: PipelineRecord, event: CodeCommitEvent): string | undefined {
  const source = pipeline.definition.source;
  const { detail } = event;
  if (source.type !== 'codecommit') return `${pipeline.name} has a ${source.type} source`;
  const where = `${pipeline.name} deploys ${source.repository}@${source.branch}`;
  if (source.repository !== detail.repositoryName) return `${where}, not repository ${detail.repositoryName}`;
  if (source.branch !== detail.referenceName)
    return `${where}, not branch ${detail.referenceName ?? '(none)'}`;
  if (source.account !== undefined && source.account !== event.account)
    return `${where} from account ${source.account} only, not ${event.account}`;
  if (source.region !== undefined && source.region !== event.region)
    return `${where} from region ${source.region} only, not ${event.region}`;
  return undefined;
}

/**
 * Why a CodeCommit event started no pipeline, for a person who sent it by hand: what was
 * received, and the CodeCommit sources that exist (or the pipelines, when none has one). Pure.
 *
 * @example explainNoStart(event, pipelines)
 * // 'no pipeline deploys branch feature of repository checkout (received checkout@feature, commit 3e8b3ab2c1a9): checkout deploys checkout@main, not branch feature'
 */
export function explainNoStart(event: CodeCommitEvent, pipelines: readonly PipelineRecord[]): string {
  const { detail } = event;
  const received =
    `received ${detail.repositoryName}@${detail.referenceName ?? '(no branch)'}` +
    `, commit ${detail.commitId?.slice(0, 12) ?? '(none)'}, account ${event.account}, region ${event.region}`;
  const codeCommit = pipelines.filter((p) => p.definition.source.type === 'codecommit');
  if (codeCommit.length === 0) {
    const names = pipelines.map((p) => p.name).join(', ') || 'none';
    return `no pipeline has a CodeCommit source (${received}); pipelines registered: ${names}`;
  }
  const sameRepository = codeCommit.filter((p) => {
    const source = p.definition.source;
    return source.type === 'codecommit' && source.repository === detail.repositoryName;
  });
  const subject =
    sameRepository.length === 0
      ? `no pipeline deploys repository ${detail.repositoryName}`
      : `no pipeline of repository ${detail.repositoryName} takes this push`;
  const reasons = (sameRepository.length > 0 ? sameRepository : codeCommit)
    .map((p) => sourceMismatch(p, event))
    .filter((r): r is string => r !== undefined);
  return `${subject} (${received}): ${reasons.join('; ')}`;
}
