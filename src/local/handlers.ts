import type { Context } from 'aws-lambda';
import { unwiredPort } from '../../functions/lib/aws-deps.js';
import type { StepPorts } from '../../functions/lib/aws-ports.js';
import type { StepArnVariable } from '../../functions/steps/catalog.js';
import * as checkWaveGate from '../../functions/steps/check-wave-gate.js';
import * as prepareTarget from '../../functions/steps/prepare-target.js';
import * as recordProgress from '../../functions/steps/record-progress.js';
import * as rollBack from '../../functions/steps/roll-back.js';
import * as rollBackRelease from '../../functions/steps/roll-back-release.js';
import * as runHooks from '../../functions/steps/run-hooks.js';
import * as shiftWeight from '../../functions/steps/shift-weight.js';
import * as startDeployment from '../../functions/steps/start-deployment.js';
import * as startWave from '../../functions/steps/start-wave.js';
import * as waitForBake from '../../functions/steps/wait-for-bake.js';
import type { StepDeps } from '../workflow/deps.js';
import type { LambdaHandler } from './step-functions.js';

/** A step module: its handler factory and the target-account ports its Lambda is built with. */
interface StepModule {
  readonly createHandler: (deps: () => StepDeps) => (event: unknown, context: Context) => Promise<unknown>;
  readonly ports: StepPorts;
}

const factories: Record<StepArnVariable, StepModule> = {
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

const AWS_PORTS = ['router', 'alarms', 'metrics', 'hooks'] as const;

/**
 * The engine's deps as the step's Lambda has them: a target-account port the Lambda is not built
 * with fails when called, here as on AWS, so the tests catch a step that lacks one.
 */
export function withPortsOf(deps: StepDeps, ports: StepPorts): StepDeps {
  const narrowed: Record<string, unknown> = { ...deps };
  for (const port of AWS_PORTS) {
    if (ports[port] !== undefined) continue;
    if (port === 'hooks') delete narrowed.hooks;
    else narrowed[port] = unwiredPort(port);
  }
  return narrowed as unknown as StepDeps;
}

/** The same middy handlers the Lambdas run, built over the embedded engine's dependencies. */
export function localStepHandlers(deps: StepDeps): Map<StepArnVariable, LambdaHandler> {
  const out = new Map<StepArnVariable, LambdaHandler>();
  for (const [variable, create] of Object.entries(factories) as [
    StepArnVariable,
    (typeof factories)[StepArnVariable],
  ][]) {
    const stepDeps = withPortsOf(deps, create.ports);
    const handler = create.createHandler(() => stepDeps);
    const context = lambdaContext(`breakwater-${variable.replace(/FunctionArn$/, '')}`);
    out.set(variable, (event) => handler(event, context));
  }
  return out;
}
