import {
  Arn,
  ArnFormat,
  Aws,
  aws_iam as iam,
  type aws_lambda as lambda,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STEP_FUNCTIONS, type StepFunctionId } from '../../src/ports/step-catalog.js';
import { lambdaFunctionArn, nagResource } from './nag.js';
import { ControlPlanePart } from './part.js';

type TargetAccess = {
  /** Lambda actions on target functions. */
  readonly lambda?: readonly string[];
  /** cloudwatch:DescribeAlarms on target alarms. */
  readonly alarms?: boolean;
  /** cloudwatch:GetMetricData (bake data-point counts). */
  readonly metrics?: boolean;
  /**
   * Only sts:AssumeRole into target accounts: what it may do there is the target role's to say
   * (hook functions are invoked through BreakwaterTargetRole's `hookFunctions`).
   */
  readonly assumeOnly?: boolean;
};

/** The id of the alarm watcher among the roles that reach into target accounts. */
export const ALARM_WATCHER = 'AlarmState';

/** A Lambda that reaches into target accounts: a workflow step, or the alarm watcher. */
export type TargetCallerId = StepFunctionId | typeof ALARM_WATCHER;

/** What each caller calls besides the table and the event bus (see src/workflow/*). */
const TARGET_ACCESS: Readonly<Record<TargetCallerId, TargetAccess>> = {
  StartDeployment: {},
  // Reads the blocker alarms of the wave's targets before the wave starts.
  CheckWaveGate: { alarms: true, metrics: true },
  StartWave: {},
  // Reads the blocker alarms of a batch's targets (one call per region) before they start, then
  // takes each alias lock and publishes or resolves the new version.
  PrepareTarget: {
    alarms: true,
    lambda: [
      'lambda:GetAlias',
      'lambda:GetFunctionConfiguration',
      'lambda:PublishVersion',
      'lambda:UpdateFunctionCode',
    ],
  },
  // The one-box and every rolling weight, on a whole batch.
  ShiftWeight: { lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'] },
  // Every bake and health check: alarms on each safety poll, data points when they can matter.
  WaitForBake: { alarms: true, metrics: true },
  RollBack: { lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'] },
  // Takes a succeeded release back: the same alias reads and writes as RollBack.
  RollBackRelease: { lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'] },
  RecordProgress: {},
  // Invokes the pipeline's hook functions: in target accounts through the target role (its
  // hookFunctions), in this account only those of the hookFunctionArns prop.
  RunHooks: { assumeOnly: true },
  // Rolls deployments back through the RollBack step's service (aliases back to the previous
  // version) and re-reads an alarm whose event is older than the watch (stale event).
  [ALARM_WATCHER]: { lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'], alarms: true },
};

const reachesTargets = (id: TargetCallerId) => {
  const access = TARGET_ACCESS[id];
  return (
    access.lambda !== undefined ||
    access.alarms === true ||
    access.metrics === true ||
    access.assumeOnly === true
  );
};

/** The steps that reach into target accounts (beside the alarm watcher, see TARGET_CALLERS). */
export const TARGET_CALLER_STEPS: readonly StepFunctionId[] = STEP_FUNCTIONS.map((s) => s.id).filter(
  reachesTargets,
);

/**
 * Every Lambda that reaches into target accounts, and so the roles a BreakwaterTargetRole trusts:
 * the steps of TARGET_CALLER_STEPS and the alarm watcher.
 */
export const TARGET_CALLERS: readonly TargetCallerId[] = [...TARGET_CALLER_STEPS, ALARM_WATCHER];

/**
 * The role name of a Lambda that reaches into target accounts (a step or the alarm watcher):
 * `<name>-<id>-<region>`, fixed so that target accounts can trust it before it exists.
 */
export function targetCallerRoleName(name: string, callerId: TargetCallerId, region: string): string {
  return `${name}-${callerId}-${region}`;
}

/** The role name of a step Lambda; fixed so that target accounts can trust it before it exists. */
export function stepRoleName(name: string, stepId: StepFunctionId, region: string): string {
  return targetCallerRoleName(name, stepId, region);
}

/**
 * The ARNs of the roles a target account must trust (TARGET_CALLERS: the steps that reach targets
 * and the alarm watcher), for a control plane deployed to `account`/`region` with `name`.
 *
 * @example new BreakwaterTargetRole(stack, 'Target', { controlPlaneRoleArns: targetCallerRoleArns('111111111111', 'eu-west-1'), ... })
 */
export function targetCallerRoleArns(
  account: string,
  region: string,
  name = 'breakwater',
  partition = 'aws',
): string[] {
  return TARGET_CALLERS.map(
    (id) => `arn:${partition}:iam::${account}:role/${targetCallerRoleName(name, id, region)}`,
  );
}

export interface BreakwaterTargetAccessProps {
  /** The Lambdas that reach into target accounts, by caller id (see TARGET_CALLERS). */
  readonly callers: readonly (readonly [TargetCallerId, lambda.Function])[];
  /** Accounts that hold targets other than this one: the callers may assume the target role there. */
  readonly targetAccounts: readonly string[];
  /** Regions of the targets in this account: Lambda and CloudWatch permissions are scoped to them. */
  readonly targetRegions: readonly string[];
  /** The only functions of this account pipelines may deploy; undefined: any but the control plane's. */
  readonly targetFunctionNames?: readonly string[];
  /** Name of the role in each target account (see BreakwaterTargetRole). */
  readonly targetRoleName: string;
  /** The control plane's own functions: out of the callers' reach when targetFunctionNames is not set. */
  readonly ownFunctions: readonly lambda.IFunction[];
}

/**
 * What the Lambdas that reach into target accounts may do there (TARGET_ACCESS): in this
 * account, the target functions' aliases and versions, the target alarms and the metrics, scoped
 * to the target regions (and function names when given); in other accounts, only
 * sts:AssumeRole into the target role, whose own policy says the rest. One policy per caller,
 * `<callerId>TargetAccess`.
 */
export class BreakwaterTargetAccess extends ControlPlanePart {
  /** The policy of each caller that reaches targets, by caller id. */
  readonly policies: Readonly<Partial<Record<TargetCallerId, iam.Policy>>>;

  constructor(scope: Construct, id: string, props: BreakwaterTargetAccessProps) {
    super(scope, id);
    const policies: Partial<Record<TargetCallerId, iam.Policy>> = {};
    for (const [callerId, fn] of props.callers) {
      const policy = this.#grant(callerId, fn, props);
      if (policy) policies[callerId] = policy;
    }
    this.policies = policies;
    this.keepLogicalIds();
  }

  #grant(
    callerId: TargetCallerId,
    fn: lambda.Function,
    scope: BreakwaterTargetAccessProps,
  ): iam.Policy | undefined {
    if (!reachesTargets(callerId)) return undefined;
    const access = TARGET_ACCESS[callerId];
    const stack = Stack.of(this);
    const statements: iam.PolicyStatement[] = [];
    const acks: { id: string; reason: string }[] = [];
    const lambdaArn = (region: string, resourceName: string) =>
      lambdaFunctionArn(stack, region, resourceName);

    if (access.lambda !== undefined) {
      if (scope.targetFunctionNames !== undefined) {
        const resources = scope.targetRegions.flatMap((region) =>
          scope.targetFunctionNames!.flatMap((name) => [
            lambdaArn(region, name),
            lambdaArn(region, `${name}:*`),
          ]),
        );
        statements.push(new iam.PolicyStatement({ actions: [...access.lambda], resources }));
        for (const resource of resources.filter((r) => r.endsWith(':*'))) {
          acks.push({
            id: `AwsSolutions-IAM5[Resource::${nagResource(stack, resource)}]`,
            reason:
              'Qualified ARNs of a configured target function: its version numbers are published during the deployment and its alias names come from pipelines, so the qualifier cannot be listed in advance.',
          });
        }
      } else {
        const resources = scope.targetRegions.map((region) => lambdaArn(region, '*'));
        statements.push(new iam.PolicyStatement({ actions: [...access.lambda], resources }));
        // A pipeline may name any function of this account; none may be the control plane itself
        // (its steps, API and triggers, the alarm watcher included).
        const own = scope.ownFunctions;
        statements.push(
          new iam.PolicyStatement({
            effect: iam.Effect.DENY,
            actions: [...access.lambda].filter(
              (a) => a !== 'lambda:GetAlias' && a !== 'lambda:GetFunctionConfiguration',
            ),
            resources: own.flatMap((f) => [f.functionArn, `${f.functionArn}:*`]),
          }),
        );
        for (const resource of resources) {
          acks.push({
            id: `AwsSolutions-IAM5[Resource::${nagResource(stack, resource)}]`,
            reason:
              'targetFunctionNames is not configured: pipelines registered at run time may deploy any Lambda function of the control plane account in the target regions. Set targetFunctionNames to scope this; an explicit Deny keeps the control plane functions out of reach.',
          });
        }
      }
    }
    if (access.alarms === true) {
      const alarmArns = scope.targetRegions.map((region) =>
        stack.formatArn({
          service: 'cloudwatch',
          region,
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      statements.push(
        new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: alarmArns }),
      );
      for (const resource of alarmArns) {
        acks.push({
          id: `AwsSolutions-IAM5[Resource::${nagResource(stack, resource)}]`,
          reason:
            'Alarm names come from pipeline definitions registered at run time; DescribeAlarms is read-only and limited to the account and target regions.',
        });
      }
    }
    if (access.metrics === true) {
      statements.push(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
      acks.push({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:GetMetricData supports no resource-level permissions; it is read-only (bake data-point counts).',
      });
    }
    if (scope.targetAccounts.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          actions: ['sts:AssumeRole'],
          resources: scope.targetAccounts.map((account) =>
            Arn.format({
              partition: Aws.PARTITION,
              service: 'iam',
              region: '',
              account,
              resource: 'role',
              resourceName: scope.targetRoleName,
            }),
          ),
        }),
      );
    }
    if (statements.length === 0) return undefined;
    const policy = new iam.Policy(this, `${callerId}TargetAccess`, {
      statements,
      roles: [fn.role as iam.Role],
    });
    for (const ack of acks) Validations.of(policy).acknowledge(ack);
    return policy;
  }
}
