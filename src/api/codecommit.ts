import { z } from 'zod';
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
  const matching = pipelines.filter((p) => {
    const source = p.definition.source;
    return (
      source.type === 'codecommit' &&
      source.repository === detail.repositoryName &&
      source.branch === detail.referenceName &&
      (source.account === undefined || source.account === event.account) &&
      (source.region === undefined || source.region === event.region)
    );
  });
  return planStarts(matching, (pipeline) => ({
    pipeline: pipeline.name,
    change: {
      id: commitId,
      description: `${detail.event} ${detail.repositoryName}@${detail.referenceName}`.slice(0, 500),
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
