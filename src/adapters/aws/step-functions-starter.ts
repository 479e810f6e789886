import { isDeepStrictEqual } from 'node:util';
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ConflictError } from '../../core/errors.js';
import type { StartRequest } from '../../core/start-request.js';
import type { WorkflowStarter } from '../../ports/workflow.js';
import { isAwsError, withAwsErrors } from './errors.js';

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

  async startReleaseRollback(request: {
    readonly deploymentId: string;
  }): Promise<{ readonly executionArn: string }> {
    const machine = this.#releaseRollbackArn;
    if (!machine) {
      throw new Error('this starter was built without the ReleaseRollback state machine ARN');
    }
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${request.deploymentId}`;
    try {
      const out = await withAwsErrors(
        {
          operation: 'StartExecution',
          resource: `release rollback "${request.deploymentId}"`,
          region: regionOf(machine),
        },
        () =>
          this.#client.send(
            new StartExecutionCommand({
              stateMachineArn: machine,
              name: request.deploymentId,
              input: JSON.stringify({ deploymentId: request.deploymentId }),
            }),
          ),
      );
      return { executionArn: out.executionArn ?? executionArn };
    } catch (error) {
      // One release rollback per deployment, always with the same input: the existing one is it.
      if (isAwsError(error, 'ExecutionAlreadyExists')) return { executionArn };
      throw error;
    }
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
