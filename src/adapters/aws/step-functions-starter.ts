import { isDeepStrictEqual } from 'node:util';
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ConflictError } from '../../core/errors.js';
import type { StartRequest } from '../../core/start-request.js';
import type { WorkflowStarter } from '../../ports/workflow.js';
import { isAwsError, withAwsErrors } from './errors.js';

/** How many ReleaseRollback executions one deployment may have (each a restart of the last). */
const MAX_RELEASE_ROLLBACK_ATTEMPTS = 10;

export interface StepFunctionsWorkflowStarterOptions {
  /** A client in the control plane's region, built once per container. */
  readonly client: SFNClient;
  /** ARN of the Deployment state machine. */
  readonly stateMachineArn: string;
  /** ARN of the ReleaseRollback state machine (only the API starts it). */
  readonly releaseRollbackStateMachineArn?: string;
}

/**
 * Starts deployments as executions of the Deployment state machine, named by the deployment id.
 *
 * Step Functions already returns the running execution when the same name is started again with
 * the same input. A finished execution, or a different input, fails with ExecutionAlreadyExists:
 * the starter then reads the execution and returns it when its input is the same request (a
 * redelivered webhook), or throws a ConflictError when it is another change under the same id.
 *
 * @example
 * const starter = new StepFunctionsWorkflowStarter({ client: new SFNClient({}), stateMachineArn });
 * const { executionArn } = await starter.startDeployment({ pipeline: 'payments', change: { id: 'abc', version: '7' }, deploymentId: 'd-1' });
 */
export class StepFunctionsWorkflowStarter implements WorkflowStarter {
  readonly #client: SFNClient;
  readonly #stateMachineArn: string;
  readonly #releaseRollbackArn: string | undefined;

  constructor(options: StepFunctionsWorkflowStarterOptions) {
    this.#client = options.client;
    this.#stateMachineArn = options.stateMachineArn;
    this.#releaseRollbackArn = options.releaseRollbackStateMachineArn;
  }

  /**
   * Starts the ReleaseRollback execution of a deployment, named by its id. Asked again while that
   * execution runs, returns it. If it ended without finishing the job (stopped by hand, timed out,
   * failed: the deployment is still rolling back, which is why the API asks again), starts the next
   * attempt as `<id>-2`, `<id>-3`...: the workflow reads what is done from the records, so an
   * attempt carries on where the last one stopped. A rollback is always reachable.
   */
  async startReleaseRollback(request: {
    readonly deploymentId: string;
  }): Promise<{ readonly executionArn: string }> {
    const machine = this.#releaseRollbackArn;
    if (!machine) {
      throw new Error('this starter was built without the ReleaseRollback state machine ARN');
    }
    const region = regionOf(machine);
    const input = JSON.stringify({ deploymentId: request.deploymentId });
    for (let attempt = 1; attempt <= MAX_RELEASE_ROLLBACK_ATTEMPTS; attempt++) {
      const name = attempt === 1 ? request.deploymentId : `${request.deploymentId}-${attempt}`;
      const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
      try {
        const out = await withAwsErrors(
          { operation: 'StartExecution', resource: `release rollback "${name}"`, region },
          () => this.#client.send(new StartExecutionCommand({ stateMachineArn: machine, name, input })),
        );
        return { executionArn: out.executionArn ?? executionArn };
      } catch (error) {
        if (!isAwsError(error, 'ExecutionAlreadyExists')) throw error;
        const existing = await withAwsErrors(
          { operation: 'DescribeExecution', resource: executionArn, region },
          () => this.#client.send(new DescribeExecutionCommand({ executionArn })),
        );
        if (existing.status === 'RUNNING' || existing.status === 'PENDING_REDRIVE') return { executionArn };
      }
    }
    throw new ConflictError(
      `the release rollback of deployment "${request.deploymentId}" was started ${MAX_RELEASE_ROLLBACK_ATTEMPTS} times and none is running: look at its executions`,
      { deploymentId: request.deploymentId },
    );
  }

  async startDeployment(
    request: StartRequest & { readonly deploymentId: string },
  ): Promise<{ readonly executionArn: string }> {
    const input = JSON.stringify(request);
    const context = {
      operation: 'StartExecution',
      resource: `deployment "${request.deploymentId}"`,
      region: regionOf(this.#stateMachineArn),
    };
    try {
      const out = await withAwsErrors(context, () =>
        this.#client.send(
          new StartExecutionCommand({
            stateMachineArn: this.#stateMachineArn,
            name: request.deploymentId,
            input,
          }),
        ),
      );
      return { executionArn: out.executionArn ?? this.#executionArn(request.deploymentId) };
    } catch (error) {
      if (!isAwsError(error, 'ExecutionAlreadyExists')) throw error;
      return this.#existing(request, error);
    }
  }

  async #existing(request: StartRequest & { readonly deploymentId: string }, cause: Error) {
    const executionArn = this.#executionArn(request.deploymentId);
    const execution = await withAwsErrors(
      { operation: 'DescribeExecution', resource: executionArn, region: regionOf(this.#stateMachineArn) },
      () => this.#client.send(new DescribeExecutionCommand({ executionArn })),
    );
    if (isDeepStrictEqual(parseJson(execution.input), JSON.parse(JSON.stringify(request)))) {
      return { executionArn: execution.executionArn ?? executionArn };
    }
    throw new ConflictError(
      `deployment "${request.deploymentId}" was already started with a different request (execution ${executionArn}, ${execution.status ?? 'status unknown'})`,
      { executionArn, status: execution.status },
      { cause },
    );
  }

  /** arn:aws:states:r:a:stateMachine:M → arn:aws:states:r:a:execution:M:<name> */
  #executionArn(name: string): string {
    return `${this.#stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }
}

function regionOf(arn: string): string {
  return arn.split(':')[3] ?? 'unknown';
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
