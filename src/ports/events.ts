/** A change of a deployment's state that people and tools may want to hear about. */
/** The EventBridge `source` of Breakwater's deployment state changes. */
export const DEPLOYMENT_EVENT_SOURCE = 'breakwater';

export interface DeploymentStateChange {
  readonly deploymentId: string;
  readonly pipeline: string;
  /** The timeline event type: deployment-started, wave-blocked, wave-succeeded, deployment-rolled-back... */
  readonly status: string;
  readonly waveIndex?: number;
  readonly message: string;
  readonly at: string;
  /** The timeline event's idempotency key: a retried step may publish again; deduplicate on it. */
  readonly key: string;
}

/**
 * Publishes deployment state changes (on AWS: EventBridge, `source: breakwater`,
 * `detail-type: Breakwater Deployment State Change`). At least once per change.
 */
export interface DeploymentEventPublisher {
  publish(change: DeploymentStateChange): Promise<void>;
}
