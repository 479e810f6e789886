import type { Context } from 'aws-lambda';
import { createHandler as checkWaveGate } from '../../functions/steps/check-wave-gate.js';
import { createHandler as prepareTarget } from '../../functions/steps/prepare-target.js';
import { createHandler as recordProgress } from '../../functions/steps/record-progress.js';
import { createHandler as rollBack } from '../../functions/steps/roll-back.js';
import { createHandler as rollBackRelease } from '../../functions/steps/roll-back-release.js';
import { createHandler as runHooks } from '../../functions/steps/run-hooks.js';
import { createHandler as shiftWeight } from '../../functions/steps/shift-weight.js';
import { createHandler as startDeployment } from '../../functions/steps/start-deployment.js';
import { createHandler as startWave } from '../../functions/steps/start-wave.js';
import { createHandler as waitForBake } from '../../functions/steps/wait-for-bake.js';
import type { StepArnVariable } from '../ports/step-catalog.js';
import type { StepDeps } from '../workflow/deps.js';
import type { LambdaHandler } from './step-functions.js';

const factories: Record<
  StepArnVariable,
  (deps: () => StepDeps) => (event: unknown, context: Context) => Promise<unknown>
> = {
  StartDeploymentFunctionArn: startDeployment,
  CheckWaveGateFunctionArn: checkWaveGate,
  StartWaveFunctionArn: startWave,
  PrepareTargetFunctionArn: prepareTarget,
  ShiftWeightFunctionArn: shiftWeight,
  WaitForBakeFunctionArn: waitForBake,
  RollBackFunctionArn: rollBack,
  RollBackReleaseFunctionArn: rollBackRelease,
  RunHooksFunctionArn: runHooks,
  RecordProgressFunctionArn: recordProgress,
};

function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'local',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The same middy handlers the Lambdas run, built over the embedded engine's dependencies. */
export function localStepHandlers(deps: StepDeps): Map<StepArnVariable, LambdaHandler> {
  const out = new Map<StepArnVariable, LambdaHandler>();
  for (const [variable, create] of Object.entries(factories) as [
    StepArnVariable,
    (typeof factories)[StepArnVariable],
  ][]) {
    const handler = create(() => deps);
    const context = lambdaContext(`breakwater-${variable.replace(/FunctionArn$/, '')}`);
    out.set(variable, (event) => handler(event, context));
  }
  return out;
}
