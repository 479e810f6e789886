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
import {
  STEP_FUNCTIONS,
  type StepArnVariable,
  TARGET_ACCOUNT_PORTS,
  type TargetAccountPort,
} from '../ports/step-catalog.js';
import { type StepDeps, unwiredPort } from '../workflow/deps.js';
import { localLambdaContext } from './lambda-context.js';
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

/**
 * The engine's deps as the step's Lambda has them (the ports its catalog entry names): a
 * target-account port the Lambda is not built with fails when called, here as on AWS, so the
 * tests catch a step that lacks one.
 */
export function withPortsOf(deps: StepDeps, ports: readonly TargetAccountPort[]): StepDeps {
  const narrowed: Record<string, unknown> = { ...deps };
  for (const port of TARGET_ACCOUNT_PORTS) {
    if (ports.includes(port)) continue;
    if (port === 'hooks') delete narrowed.hooks;
    else narrowed[port] = unwiredPort(port);
  }
  return narrowed as unknown as StepDeps;
}

/** The same middy handlers the Lambdas run, built over the embedded engine's dependencies. */
export function localStepHandlers(deps: StepDeps): Map<StepArnVariable, LambdaHandler> {
  const out = new Map<StepArnVariable, LambdaHandler>();
  for (const step of STEP_FUNCTIONS) {
    const variable = step.arnVariable;
    const stepDeps = withPortsOf(deps, step.ports);
    const handler = factories[variable](() => stepDeps);
    const context = localLambdaContext(`breakwater-${variable.replace(/FunctionArn$/, '')}`);
    out.set(variable, (event) => handler(event, context));
  }
  return out;
}
