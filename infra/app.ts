import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadInfraConfig } from './config.js';
import { BreakwaterControlPlane, targetCallerRoleArns } from './constructs/control-plane.js';
import { BreakwaterTargetRole } from './constructs/target-role.js';

/*
 * The CDK app: the control plane stack and, when the control plane account and the target
 * functions are known, one target-role stack per target account. Synthesizes offline.
 */
const config = loadInfraConfig();
const app = new App();

const controlPlaneStack = new Stack(app, config.stackName, {
  env: { region: config.region, ...(config.account === undefined ? {} : { account: config.account }) },
  description: 'Breakwater: safe, hands-off deployment control plane',
});
new BreakwaterControlPlane(controlPlaneStack, 'ControlPlane', {
  name: config.name,
  targetAccounts: config.targetAccounts,
  targetRegions: config.targetRegions,
  ...(config.targetFunctionNames === undefined ? {} : { targetFunctionNames: config.targetFunctionNames }),
  ...(config.organisationAlarms === undefined ? {} : { organisationAlarms: config.organisationAlarms }),
  logRetentionDays: config.logRetentionDays,
  console: config.console,
});

if (config.account !== undefined && config.targetFunctionNames !== undefined) {
  for (const account of config.targetAccounts) {
    const targetStack = new Stack(app, `${config.stackName}-Target-${account}`, {
      env: { account, region: config.region },
      description: `Breakwater target role trusted by the control plane in ${config.account}`,
    });
    new BreakwaterTargetRole(targetStack, 'TargetRole', {
      controlPlaneRoleArns: targetCallerRoleArns(config.account, config.region, config.name),
      functions: config.targetFunctionNames.map((functionName) => ({
        functionName,
        aliases: config.targetAliases,
      })),
      regions: config.targetRegions,
    });
  }
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
