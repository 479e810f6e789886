import { ConflictError } from '../core/errors.js';
import type { StartRequest } from '../core/start-request.js';
import type { WorkflowStarter } from '../ports/workflow.js';
import type { ExecutionOutcome, LocalStepFunctions } from './step-functions.js';

export type DeploymentStart = StartRequest & { readonly deploymentId: string };

export interface LocalWorkflowStarterOptions {
  /** The engine's Step Functions stand-in, with the Deployment machine loaded. */
  readonly stepFunctions: LocalStepFunctions;
  /** ARN under which the Deployment state machine was loaded. */
  readonly stateMachineArn: string;
  /** ARN under which the ReleaseRollback state machine was loaded. */
  readonly releaseRollbackArn?: string;
  /**
   * Runs once before a new execution starts. The local control plane publishes the change's
   * versions on the simulated fleet here, as a build would before asking for a deployment.
   */
  readonly beforeStart?: (request: DeploymentStart) => Promise<void>;
  /** Runs before a ReleaseRollback execution starts (serve sets its clock going). */
  readonly beforeReleaseRollback?: () => void;
  /** Called when an execution ends (for logs and tests). */
  readonly onEnd?: (deploymentId: string, outcome: ExecutionOutcome) => void;
}

interface KnownExecution {
  readonly arn: string;
  readonly input: string;
  status: 'RUNNING' | ExecutionOutcome['status'];
}

/**
 * Starts the Deployment state machine on the embedded engine, with the deployment id as the
 * execution name — the same contract as StartExecution on AWS: the same name and input while
 * it runs returns the running execution; a different input, or a name whose execution has
 * ended, is refused (ConflictError, as AWS answers ExecutionAlreadyExists).
 *
 * @example
 * const starter = new LocalWorkflowStarter({ stepFunctions, stateMachineArn: stateMachineArn('Deployment') });
 * const { executionArn } = await starter.startDeployment({ pipeline: 'payments-api', change: { id: 'c1', version: '2' }, deploymentId: 'd-1' });
 */
export class LocalWorkflowStarter implements WorkflowStarter {
  private readonly executions = new Map<string, KnownExecution>();
  /** Starts being prepared, so two concurrent calls for one id start one execution. */
  private readonly starting = new Map<string, Promise<{ readonly executionArn: string }>>();

  constructor(private readonly options: LocalWorkflowStarterOptions) {}

  async startDeployment(request: DeploymentStart): Promise<{ readonly executionArn: string }> {
    const id = request.deploymentId;
    const input = stableJson(request);
    const known = this.executions.get(id);
    if (known) return this.sameExecution(id, known, input);
    const pending = this.starting.get(id);
    if (pending) return pending;
    const start = (async () => {
      await this.options.beforeStart?.(request);
      const execution = this.options.stepFunctions.startExecution(this.options.stateMachineArn, request, id);
      const record: KnownExecution = { arn: execution.arn, input, status: 'RUNNING' };
      this.executions.set(id, record);
      void execution.done.then((outcome) => {
        record.status = outcome.status;
        this.options.onEnd?.(id, outcome);
      });
      return { executionArn: execution.arn };
    })();
    this.starting.set(id, start);
    try {
      return await start;
    } finally {
      this.starting.delete(id);
    }
  }

  /** Release rollbacks started, by deployment id (one per deployment, as on AWS). */
  private readonly releaseRollbacks = new Map<string, KnownExecution[]>();

  async startReleaseRollback(request: {
    readonly deploymentId: string;
  }): Promise<{ readonly executionArn: string }> {
    const id = request.deploymentId;
    // As on AWS: the running attempt is it; one that ended before the rollback did is restarted
    // under the next name (<id>-2, ...), and carries on from the records.
    const attempts = this.releaseRollbacks.get(id) ?? [];
    const last = attempts.at(-1);
    if (last?.status === 'RUNNING') return { executionArn: last.arn };
    const machine = this.options.releaseRollbackArn;
    if (!machine)
      throw new Error('the embedded engine was started without the ReleaseRollback state machine');
    this.options.beforeReleaseRollback?.();
    const name = attempts.length === 0 ? id : `${id}-${attempts.length + 1}`;
    const execution = this.options.stepFunctions.startExecution(machine, { deploymentId: id }, name);
    const record: KnownExecution = {
      arn: execution.arn,
      input: stableJson({ deploymentId: id }),
      status: 'RUNNING',
    };
    this.releaseRollbacks.set(id, [...attempts, record]);
    void execution.done.then((outcome) => {
      record.status = outcome.status;
      this.options.onEnd?.(id, outcome);
    });
    return { executionArn: execution.arn };
  }

  /** Deployment ids whose execution runs now. */
  running(): string[] {
    return [...this.executions].filter(([, e]) => e.status === 'RUNNING').map(([id]) => id);
  }

  private sameExecution(id: string, known: KnownExecution, input: string): { readonly executionArn: string } {
    if (known.input !== input) {
      throw new ConflictError(`deployment "${id}" was started with a different request`, { id });
    }
    if (known.status !== 'RUNNING') {
      throw new ConflictError(`deployment "${id}" already ran (execution ${known.status})`, { id });
    }
    return { executionArn: known.arn };
  }
}

/** JSON with object keys sorted, so two equal requests compare equal whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
