/*
 * The step Lambdas, named once: the CDK app creates one function per entry and passes its ARN to
 * the state machines under `arnVariable`; the embedded engine maps the same variables to the
 * handlers in-process. It is the contract between the state machines and the step Lambdas, so it
 * lives with the ports, as data: free of imports, so infra/ and scripts/ can read it cheaply.
 * `ports` names the target-account ports each step's Lambda is built with (and bundles the SDK
 * clients of): the entry file passes exactly those to lambdaDeps(), and the embedded engine gives
 * the step only those, so a step that reaches for another one fails in the tests as on AWS.
 */

/** The StepDeps entries that call the target accounts, each with its own SDK clients. */
export type TargetAccountPort = 'router' | 'alarms' | 'metrics' | 'hooks';

/** Every target-account port, in the order StepDeps declares them. */
export const TARGET_ACCOUNT_PORTS: readonly TargetAccountPort[] = ['router', 'alarms', 'metrics', 'hooks'];

export const STEP_FUNCTIONS = [
  {
    id: 'StartDeployment',
    entry: 'functions/steps/start-deployment.ts',
    arnVariable: 'StartDeploymentFunctionArn',
    ports: [],
  },
  {
    id: 'CheckWaveGate',
    entry: 'functions/steps/check-wave-gate.ts',
    arnVariable: 'CheckWaveGateFunctionArn',
    ports: ['alarms'],
  },
  {
    id: 'StartWave',
    entry: 'functions/steps/start-wave.ts',
    arnVariable: 'StartWaveFunctionArn',
    ports: [],
  },
  {
    id: 'PrepareTarget',
    entry: 'functions/steps/prepare-target.ts',
    arnVariable: 'PrepareTargetFunctionArn',
    ports: ['router', 'alarms'],
  },
  {
    id: 'ShiftWeight',
    entry: 'functions/steps/shift-weight.ts',
    arnVariable: 'ShiftWeightFunctionArn',
    ports: ['router'],
  },
  {
    id: 'WaitForBake',
    entry: 'functions/steps/wait-for-bake.ts',
    arnVariable: 'WaitForBakeFunctionArn',
    ports: ['alarms', 'metrics'],
  },
  {
    id: 'RollBack',
    entry: 'functions/steps/roll-back.ts',
    arnVariable: 'RollBackFunctionArn',
    ports: ['router'],
  },
  {
    id: 'RollBackRelease',
    entry: 'functions/steps/roll-back-release.ts',
    arnVariable: 'RollBackReleaseFunctionArn',
    ports: ['router'],
  },
  {
    id: 'RunHooks',
    entry: 'functions/steps/run-hooks.ts',
    arnVariable: 'RunHooksFunctionArn',
    ports: ['hooks'],
  },
  {
    id: 'RecordProgress',
    entry: 'functions/steps/record-progress.ts',
    arnVariable: 'RecordProgressFunctionArn',
    ports: [],
  },
] as const satisfies readonly {
  readonly id: string;
  readonly entry: string;
  readonly arnVariable: string;
  readonly ports: readonly TargetAccountPort[];
}[];

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
