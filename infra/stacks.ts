import { type App, Stack } from 'aws-cdk-lib';
import type { InfraConfig } from './config.js';
import { BreakwaterAlarmForwarder } from './constructs/alarm-forwarder.js';
import { BreakwaterControlPlane, controlPlaneEventBusArn, targetCallerRoleArns } from './constructs/index.js';
import { BreakwaterTargetRole } from './constructs/target-role.js';

/** The stacks of the Breakwater app (what `infra/app.ts` synthesizes). */
export interface BreakwaterStacks {
  readonly controlPlane: Stack;
  readonly plane: BreakwaterControlPlane;
  /** One per target account, in the control plane region (IAM is global). */
  readonly targetRoles: readonly Stack[];
  /**
   * One BreakwaterAlarmForwarder per target account and target region, and per target region of
   * the control plane account other than its own: CloudWatch alarm events reach only the default
   * bus of their own account and region.
   */
  readonly alarmForwarders: readonly Stack[];
}

/**
 * The control plane stack and, when the control plane account is known, the stacks its target
 * accounts and regions need: a target role per account (when the target functions are known too)
 * and an alarm forwarder per account and region. Synthesizes offline.
 *
 * @example defineBreakwaterApp(new App(), loadInfraConfig())
 */
export function defineBreakwaterApp(app: App, config: InfraConfig): BreakwaterStacks {
  const controlPlane = new Stack(app, config.stackName, {
    env: { region: config.region, ...(config.account === undefined ? {} : { account: config.account }) },
    description: 'Breakwater: safe, hands-off deployment control plane',
  });
  const plane = new BreakwaterControlPlane(controlPlane, 'ControlPlane', {
    name: config.name,
    targetAccounts: config.targetAccounts,
    targetRegions: config.targetRegions,
    ...(config.targetFunctionNames === undefined ? {} : { targetFunctionNames: config.targetFunctionNames }),
    ...(config.organisationAlarms === undefined ? {} : { organisationAlarms: config.organisationAlarms }),
    ...(config.organisationId === undefined ? {} : { organisationId: config.organisationId }),
    logRetentionDays: config.logRetentionDays,
    console: config.console,
  });

  const targetRoles: Stack[] = [];
  const alarmForwarders: Stack[] = [];
  const home = config.account;
  if (home !== undefined) {
    if (config.targetFunctionNames !== undefined) {
      for (const account of config.targetAccounts) {
        const stack = new Stack(app, `${config.stackName}-Target-${account}`, {
          env: { account, region: config.region },
          description: `Breakwater target role trusted by the control plane in ${home}`,
        });
        new BreakwaterTargetRole(stack, 'TargetRole', {
          controlPlaneRoleArns: targetCallerRoleArns(home, config.region, config.name),
          functions: config.targetFunctionNames.map((functionName) => ({
            functionName,
            aliases: config.targetAliases,
          })),
          regions: config.targetRegions,
        });
        targetRoles.push(stack);
      }
    }
    const bus = controlPlaneEventBusArn(home, config.region);
    for (const account of [home, ...config.targetAccounts]) {
      for (const region of config.targetRegions) {
        if (account === home && region === config.region) continue;
        const stack = new Stack(app, `${config.stackName}-Alarms-${account}-${region}`, {
          env: { account, region },
          description: `Breakwater: forwards CloudWatch alarm state changes to the control plane in ${home}/${config.region}`,
        });
        new BreakwaterAlarmForwarder(stack, 'AlarmForwarder', { controlPlaneEventBusArn: bus });
        alarmForwarders.push(stack);
      }
    }
  }
  return { controlPlane, plane, targetRoles, alarmForwarders };
}
