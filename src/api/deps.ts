import type { Clock } from '../ports/clock.js';
import type { Log } from '../ports/log.js';
import type { DeploymentStore } from '../ports/store.js';
import type { WorkflowStarter } from '../ports/workflow.js';

/**
 * What the HTTP API needs, injected by a composition root: `functions/lib/api-deps.ts` on AWS,
 * the local server on one machine.
 *
 * @example
 * const deps: ApiDeps = { store, starter, clock: systemClock, log: silentLog, newId: () => randomUUID() };
 */
export interface ApiDeps {
  readonly store: DeploymentStore;
  readonly starter: WorkflowStarter;
  readonly clock: Clock;
  readonly log: Log;
  /** Ids of new deployments and blockers; must match `[A-Za-z0-9_-]{1,80}` (a UUID does). */
  readonly newId: () => string;
}

/** What the triggers (GitHub webhook, CodeCommit) need: they read pipelines and start deployments. */
export type TriggerDeps = Pick<ApiDeps, 'store' | 'starter' | 'log'>;
