import { aws_iam as iam, type aws_lambda as lambda, type aws_logs as logs, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STEP_FUNCTIONS, type StepFunctionId } from '../../src/ports/step-catalog.js';
import { createBreakwaterFunction, grantPublishEvents, withEventSource } from './function.js';
import { ControlPlanePart } from './part.js';
import type { BreakwaterStore } from './store.js';
import { stepRoleName } from './target-access.js';

export interface BreakwaterStepsProps {
  /** Prefix of the roles' names (`<name>-<StepId>-<region>`, trusted by target accounts by ARN). */
  readonly name: string;
  /** The table every step reads and writes. */
  readonly store: BreakwaterStore;
  /** Environment of every step (the table, the target role template...); EVENT_SOURCE is set here. */
  readonly environment: Readonly<Record<string, string>>;
  /** Retention of the log groups this part creates. */
  readonly logRetention: logs.RetentionDays;
  /** Memory of each Lambda this part creates, in MB. */
  readonly memorySize: number;
  /**
   * Hook functions in this account, named by ARN in pipelines: RunHooks may invoke these (and
   * their versions and aliases) and no other function here.
   * @default [] (none)
   */
  readonly hookFunctionArns?: readonly string[];
}

/**
 * One Lambda per workflow step of the step catalog (src/ports/step-catalog.ts), each with its
 * own role of a fixed name: read/write on the table, Breakwater's events on the default bus.
 * What a step may do in target accounts is BreakwaterTargetAccess's to grant.
 */
export class BreakwaterSteps extends ControlPlanePart {
  /** One function per step, by catalog id. */
  readonly functions: Readonly<Record<StepFunctionId, lambda.Function>>;
  /** Each step's role, by catalog id. */
  readonly roles: Readonly<Record<StepFunctionId, iam.Role>>;

  constructor(scope: Construct, id: string, props: BreakwaterStepsProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const functions = {} as Record<StepFunctionId, lambda.Function>;
    const roles = {} as Record<StepFunctionId, iam.Role>;
    for (const step of STEP_FUNCTIONS) {
      const role = new iam.Role(this, `${step.id}Role`, {
        roleName: stepRoleName(props.name, step.id, region),
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Breakwater ${step.id} step`,
      });
      const fn = createBreakwaterFunction(this, step.id, {
        entry: step.entry,
        role,
        environment: withEventSource(props.environment),
        logRetention: props.logRetention,
        memorySize: props.memorySize,
      });
      props.store.grantReadWrite(fn);
      grantPublishEvents(role);
      const hooks = props.hookFunctionArns ?? [];
      if (step.id === 'RunHooks' && hooks.length > 0) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['lambda:InvokeFunction'],
            resources: hooks.flatMap((arn) => [arn, `${arn}:*`]),
          }),
        );
      }
      functions[step.id] = fn;
      roles[step.id] = role;
    }
    this.functions = functions;
    this.roles = roles;
    this.keepLogicalIds();
  }

  /** Lets `grantee` invoke the steps named (a state machine invokes the steps its ASL names). */
  grantInvoke(grantee: iam.IGrantable, ids: readonly StepFunctionId[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['lambda:InvokeFunction'],
      resourceArns: ids.map((id) => this.functions[id].functionArn),
    });
  }
}
