import type { StartRequest } from '../workflow/inputs.js';

/**
 * Starts deployment workflows: on AWS a StartExecution of the Deployment state machine (the
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
}
