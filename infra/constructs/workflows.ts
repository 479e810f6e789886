import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ArnFormat,
  Duration,
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  aws_stepfunctions as sfn,
  aws_sqs as sqs,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STATE_MACHINES, STEP_FUNCTIONS } from '../../src/ports/step-catalog.js';
import { aslPlaceholders, loadAslDefinition } from './asl.js';
import { PROJECT_ROOT } from './bundling.js';
import { nagResource } from './nag.js';
import { ControlPlanePart } from './part.js';
import type { BreakwaterSteps } from './steps.js';

/** A state machine of the catalog: `Deployment`, `Wave`, `Batch`, `ReleaseRollback`. */
export type MachineId = (typeof STATE_MACHINES)[number]['id'];

export interface BreakwaterWorkflowsProps {
  /** Prefix of the state machines' names: `<name>-<MachineId>`. */
  readonly name: string;
  /** The step Lambdas the ASL files name. */
  readonly steps: BreakwaterSteps;
  /** Retention of the log groups this part creates. */
  readonly logRetention: logs.RetentionDays;
  /**
   * The state machines' log level. ALL records every state transition (what ran, with what
   * input, when) — the record an operator needs after a rollback; ERROR records failures only.
   * @default sfn.LogLevel.ALL
   */
  readonly logLevel?: sfn.LogLevel;
}

/**
 * The state machines built from `statemachines/*.asl.json` (Deployment, Wave, Batch,
 * ReleaseRollback), each named `<name>-<MachineId>` so a parent refers to its child by a built
 * ARN, each invoking only the steps its ASL names; and the rule that rolls back a deployment
 * whose execution was stopped or timed out outside the workflow, with its dead-letter queue.
 */
export class BreakwaterWorkflows extends ControlPlanePart {
  /** The state machines, by catalog id. */
  readonly machines: Readonly<Record<MachineId, sfn.StateMachine>>;
  /** Their names, by catalog id (known before they exist). */
  readonly names: Readonly<Record<MachineId, string>>;
  /** Receives the console-stop rollbacks EventBridge could not deliver. */
  readonly rollbackDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: BreakwaterWorkflowsProps) {
    super(scope, id);
    this.names = Object.fromEntries(STATE_MACHINES.map((m) => [m.id, `${props.name}-${m.id}`])) as Record<
      MachineId,
      string
    >;
    const substitutions: Record<string, string> = {};
    for (const step of STEP_FUNCTIONS)
      substitutions[step.arnVariable] = props.steps.functions[step.id].functionArn;
    for (const machine of STATE_MACHINES) substitutions[machine.arnVariable] = this.machineArn(machine.id);
    // Children first: a parent's policy names its children.
    const machines = {} as Record<MachineId, sfn.StateMachine>;
    for (const machine of [...STATE_MACHINES].reverse()) {
      machines[machine.id] = this.#createStateMachine(machine, substitutions, props);
    }
    this.machines = machines;

    // Stopping a deployment from the console (or its timing out) skips the ASL's Catch: this rule
    // still rolls it back (a stopped deployment is always rolled back). The execution name is
    // the deployment id.
    this.rollbackDeadLetterQueue = new sqs.Queue(this, 'RollbackDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    Validations.of(this.rollbackDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the console-stop rollback rule; an alarm fires on its first message.',
    });
    new events.Rule(this, 'DeploymentStoppedRule', {
      description:
        'Rolls back a Breakwater deployment whose execution was stopped or timed out outside the workflow.',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['ABORTED', 'TIMED_OUT'], stateMachineArn: [machines.Deployment.stateMachineArn] },
      },
      targets: [
        new eventsTargets.LambdaFunction(props.steps.functions.RollBack, {
          deadLetterQueue: this.rollbackDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
          event: events.RuleTargetInput.fromObject({
            deploymentId: events.EventField.fromPath('$.detail.name'),
            scope: 'deployment',
            error: {
              Error: 'ExecutionAborted',
              Cause: `The deployment execution ended with status ${events.EventField.fromPath('$.detail.status')} outside the workflow (StopExecution or execution timeout).`,
            },
          }),
        }),
      ],
    });
    this.keepLogicalIds();
  }

  /** The machine a deployment starts in; the execution name is the deployment id. */
  get deployment(): sfn.StateMachine {
    return this.machines.Deployment;
  }

  /** The ARN of the machine `id`, built from its name (usable before the machine exists). */
  machineArn(id: MachineId): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.names[id],
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The ARN pattern of every execution of the machine `id` (execution names are deployment ids). */
  executionsArn(id: MachineId): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.names[id]}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Lets `grantee` start deployments (states:StartExecution on the Deployment machine). */
  grantStartDeployment(grantee: iam.IGrantable): iam.Grant {
    return this.machines.Deployment.grantStartExecution(grantee);
  }

  /** Lets `grantee` start release rollbacks (states:StartExecution on the ReleaseRollback machine). */
  grantStartReleaseRollback(grantee: iam.IGrantable): iam.Grant {
    return this.machines.ReleaseRollback.grantStartExecution(grantee);
  }

  /**
   * Lets `grantee` call `actions` (DescribeExecution, StopExecution) on the executions of the
   * machine `id`, whose names are generated per deployment.
   */
  grantExecutions(grantee: iam.IGrantable, id: MachineId, actions: readonly string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: [this.executionsArn(id)],
    });
  }

  #createStateMachine(
    machine: (typeof STATE_MACHINES)[number],
    substitutions: Record<string, string>,
    props: BreakwaterWorkflowsProps,
  ): sfn.StateMachine {
    const names = this.names;
    const stack = Stack.of(this);
    const file = join(PROJECT_ROOT, machine.file);
    const logGroup = new logs.LogGroup(this, `${machine.id}StateMachineLogs`, {
      // Step Functions vended logs need the /aws/vendedlogs/ prefix to stay under the resource policy size limit.
      logGroupName: `/aws/vendedlogs/states/${names[machine.id]}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stateMachine = new sfn.StateMachine(this, `${machine.id}StateMachine`, {
      stateMachineName: names[machine.id],
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(loadAslDefinition(file, substitutions)),
      logs: { destination: logGroup, level: props.logLevel ?? sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    const placeholders = new Set(aslPlaceholders(readFileSync(file, 'utf8')));
    props.steps.grantInvoke(
      stateMachine,
      STEP_FUNCTIONS.filter((s) => placeholders.has(s.arnVariable)).map((s) => s.id),
    );
    const children = STATE_MACHINES.filter((m) => placeholders.has(m.arnVariable));
    if (children.length > 0) {
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: children.map((c) => this.machineArn(c.id)),
        }),
      );
      const executionArns = children.map((c) =>
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${names[c.id]}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: executionArns,
        }),
      );
      // .sync waits for the child through a Step Functions managed EventBridge rule.
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          resources: [
            stack.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
            }),
          ],
        }),
      );
      for (const arn of executionArns) {
        Validations.of(stateMachine.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${nagResource(stack, arn)}]`,
          reason:
            'Executions of the child state machine (startExecution.sync:2): execution names are generated per run, so the policy names the child machine and leaves the execution name open.',
        });
      }
    }
    Validations.of(stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for Step Functions logging (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray tracing (xray:PutTraceSegments...): these actions support no resource-level permissions.',
    });
    return stateMachine;
  }
}
