import type { Context } from 'aws-lambda';
import { createCheckWaveGateHandler } from '../handlers/steps/check-wave-gate.js';
import { createPrepareTargetHandler } from '../handlers/steps/prepare-target.js';
import { createRecordProgressHandler } from '../handlers/steps/record-progress.js';
import { createRollBackHandler } from '../handlers/steps/roll-back.js';
import { createRollBackReleaseHandler } from '../handlers/steps/roll-back-release.js';
import { createRunHooksHandler } from '../handlers/steps/run-hooks.js';
import { createShiftWeightHandler } from '../handlers/steps/shift-weight.js';
import { createStartDeploymentHandler } from '../handlers/steps/start-deployment.js';
import { createStartWaveHandler } from '../handlers/steps/start-wave.js';
import { createWaitForBakeHandler } from '../handlers/steps/wait-for-bake.js';
import type { StepArnVariable } from '../ports/step-catalog.js';
import type { StepDeps } from '../workflow/deps.js';
import type { LambdaHandler } from './step-functions.js';

const factories: Record<
  StepArnVariable,
  (deps: () => StepDeps) => (event: unknown, context: Context) => Promise<unknown>
> = {
  StartDeploymentFunctionArn: createStartDeploymentHandler,
  CheckWaveGateFunctionArn: createCheckWaveGateHandler,
  StartWaveFunctionArn: createStartWaveHandler,
  PrepareTargetFunctionArn: createPrepareTargetHandler,
  ShiftWeightFunctionArn: createShiftWeightHandler,
  WaitForBakeFunctionArn: createWaitForBakeHandler,
  RollBackFunctionArn: createRollBackHandler,
  RollBackReleaseFunctionArn: createRollBackReleaseHandler,
  RunHooksFunctionArn: createRunHooksHandler,
  RecordProgressFunctionArn: createRecordProgressHandler,
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
