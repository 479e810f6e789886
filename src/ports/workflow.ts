import type { StartRequest } from '../core/start-request.js';

/**
 * Starts workflows: on AWS a StartExecution of the Deployment state machine (the
 * execution name is the deployment id), on the embedded engine the same ASL run locally.
 */
export interface WorkflowStarter {
  /**
   * Idempotent per deployment id: starting the same id with the same input again returns the
   * running execution; a different input under an existing id is a ConflictError.
   */
  startDeployment(
    request: StartRequest & { readonly deploymentId: string },
  ): Promise<{ readonly executionArn: string }>;
  /**
   * Starts the ReleaseRollback workflow of a deployment whose release rollback is recorded (its
   * execution is named by the deployment id). Idempotent: starting it again while it runs, or
   * after it ended, returns that execution.
   */
  startReleaseRollback(request: {
    readonly deploymentId: string;
  }): Promise<{ readonly executionArn: string }>;
}
