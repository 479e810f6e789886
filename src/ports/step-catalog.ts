/*
 * The step Lambdas, named once: the CDK app creates one function per entry and passes its ARN to
 * the state machines under `arnVariable`; the embedded engine maps the same variables to the
 * handlers in-process. It is the contract between the state machines and the step Lambdas, so it
 * lives with the ports, as data: free of imports, so infra/ and scripts/ can read it cheaply.
 */
export const STEP_FUNCTIONS = [
  {
    id: 'StartDeployment',
    entry: 'functions/steps/start-deployment.ts',
    arnVariable: 'StartDeploymentFunctionArn',
  },
  {
    id: 'CheckWaveGate',
    entry: 'functions/steps/check-wave-gate.ts',
    arnVariable: 'CheckWaveGateFunctionArn',
  },
  { id: 'StartWave', entry: 'functions/steps/start-wave.ts', arnVariable: 'StartWaveFunctionArn' },
  {
    id: 'PrepareTarget',
    entry: 'functions/steps/prepare-target.ts',
    arnVariable: 'PrepareTargetFunctionArn',
  },
  { id: 'ShiftWeight', entry: 'functions/steps/shift-weight.ts', arnVariable: 'ShiftWeightFunctionArn' },
  { id: 'WaitForBake', entry: 'functions/steps/wait-for-bake.ts', arnVariable: 'WaitForBakeFunctionArn' },
  { id: 'RollBack', entry: 'functions/steps/roll-back.ts', arnVariable: 'RollBackFunctionArn' },
  {
    id: 'RollBackRelease',
    entry: 'functions/steps/roll-back-release.ts',
    arnVariable: 'RollBackReleaseFunctionArn',
  },
  { id: 'RunHooks', entry: 'functions/steps/run-hooks.ts', arnVariable: 'RunHooksFunctionArn' },
  {
    id: 'RecordProgress',
    entry: 'functions/steps/record-progress.ts',
    arnVariable: 'RecordProgressFunctionArn',
  },
] as const;

export type StepFunctionId = (typeof STEP_FUNCTIONS)[number]['id'];
export type StepArnVariable = (typeof STEP_FUNCTIONS)[number]['arnVariable'];

/** The state machines and the substitution variable that carries each one's ARN to its parent. */
export const STATE_MACHINES = [
  { id: 'Deployment', file: 'statemachines/deployment.asl.json', arnVariable: 'DeploymentStateMachineArn' },
  { id: 'Wave', file: 'statemachines/wave.asl.json', arnVariable: 'WaveStateMachineArn' },
  { id: 'Batch', file: 'statemachines/batch.asl.json', arnVariable: 'BatchStateMachineArn' },
  {
    id: 'ReleaseRollback',
    file: 'statemachines/release-rollback.asl.json',
    arnVariable: 'ReleaseRollbackStateMachineArn',
  },
] as const;
