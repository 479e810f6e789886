/*
 * The ASL files in statemachines/ are the source of truth and are committed as JSON. This script
 * only exists to write them consistently (shared Retry policies); run it after editing it:
 *   node --import tsx scripts/gen-asl.ts
 */
import { writeFileSync } from 'node:fs';
import { STEP_TASK_TIMEOUT_SECONDS } from '../functions/lib/step-timeouts.js';
import { RETRYABLE_ERROR_NAMES } from '../src/core/errors.js';

/*
 * Lambda's own transient failures to invoke a function, which AWS recommends retrying (Step
 * Functions developer guide, "Handle transient Lambda service exceptions").
 */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
];
/*
 * What a step is retried on: the retryable Breakwater errors and Lambda's transient ones. Anything
 * else (InvalidInputError, NotFoundError, RollbackStartedError ...) is terminal. States.Timeout is
 * not retried either: with TimeoutSeconds above the Lambda timeout it means an invocation that
 * never answered, and a forward step that cannot finish rolls back.
 */
const TRANSIENT = [...RETRYABLE_ERROR_NAMES, ...LAMBDA_SERVICE_ERRORS];
/** How long a wave or batch child execution may run; `breakwater plan` checks waves fit. */
export const CHILD_TIMEOUT_SECONDS = 20 * 86_400;

const retry = (maxAttempts = 6) => [
  {
    ErrorEquals: TRANSIENT,
    IntervalSeconds: 2,
    BackoffRate: 2,
    MaxAttempts: maxAttempts,
    MaxDelaySeconds: 60,
    JitterStrategy: 'FULL',
  },
];
/*
 * A rollback must outlast whatever made the deployment fail (a throttled API, a brief outage):
 * no jitter (full jitter can spend every attempt in seconds), ~16 minutes of attempts in all. It
 * also retries a timed-out attempt: rolling back is idempotent, and the attempt has ended by then
 * (TimeoutSeconds is above the Lambda timeout). A terminal error (InvalidInputError, NotFoundError)
 * fails at once: repeating it for 16 minutes would only hide it.
 */
const ROLLBACK_RETRY = [
  {
    // Sandbox.Timedout: the Lambda's own timeout (Lambda developer guide, "Troubleshoot
    // invocation issues"); retried like States.Timeout.
    ErrorEquals: [...TRANSIENT, 'States.Timeout', 'Sandbox.Timedout'],
    IntervalSeconds: 2,
    BackoffRate: 2,
    MaxAttempts: 20,
    MaxDelaySeconds: 60,
    JitterStrategy: 'NONE',
  },
];

const task = (resource: string, rest: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: `\${${resource}}`,
  TimeoutSeconds: STEP_TASK_TIMEOUT_SECONDS,
  Retry: retry(),
  ...rest,
});
const syncChild = (arnVar: string, input: Record<string, unknown>, rest: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::states:startExecution.sync:2',
  Parameters: {
    StateMachineArn: `\${${arnVar}}`,
    Input: { ...input, 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
  },
  // A child runs for hours or days: the default Task timeout must not apply. 20 days also stays
  // below the largest JavaScript timer (2^31 ms), so the local interpreter honours it exactly.
  TimeoutSeconds: CHILD_TIMEOUT_SECONDS,
  ...rest,
});
const resetCheck = (next: string) => ({
  Type: 'Pass',
  Result: { verdict: 'pending', signature: '' },
  ResultPath: '$.check',
  Next: next,
});
const pollLoop = (
  prefix: string,
  resource: string,
  params: Record<string, unknown>,
  onBaked: string,
  onFailed: string,
) => ({
  [prefix]: task(resource, {
    Parameters: { ...params, 'previous.$': '$.check' },
    ResultPath: '$.check',
    Next: `${prefix}Verdict`,
  }),
  [`${prefix}Verdict`]: {
    Type: 'Choice',
    Choices: [
      { Variable: '$.check.verdict', StringEquals: 'baked', Next: onBaked },
      { Variable: '$.check.verdict', StringEquals: 'failed', Next: onFailed },
    ],
    Default: `${prefix}Wait`,
  },
  [`${prefix}Wait`]: { Type: 'Wait', SecondsPath: '$.check.waitSeconds', Next: prefix },
});
const ids = { 'deploymentId.$': '$.deploymentId', 'waveIndex.$': '$.waveIndex' };

/*
 * Waves, batches and steps run one after the other: a Map with MaxConcurrency 1 "will not start a
 * new iteration until the previous has completed", and "if any iteration fails, entire Map state
 * fails" (Step Functions developer guide, amazon-states-language-map-state), so a failed wave,
 * batch or step starts no later one. The Map's iteration results are collected even when
 * ResultPath discards them: each iteration ends on a small output.
 */
const sequentialMap = (
  itemsPath: string,
  itemSelector: Record<string, unknown>,
  startAt: string,
  states: Record<string, unknown>,
  rest: Record<string, unknown>,
) => ({
  Type: 'Map',
  ItemsPath: itemsPath,
  MaxConcurrency: 1,
  ItemSelector: itemSelector,
  ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: startAt, States: states },
  ResultPath: null,
  ...rest,
});

/** What a batch's bake or health-check poll needs: the batch, its step, and when weights moved. */
const batchCheck = {
  ...ids,
  'batchIndex.$': '$.batchIndex',
  'targets.$': '$.targets',
  'step.$': '$.step',
  'shift.$': '$.shift',
  scope: 'batch',
};

const shiftMap = (name: string, resource: string, taskName: string, next: string) => ({
  Type: 'Map',
  ItemsPath: '$.targets',
  MaxConcurrency: 40,
  ItemSelector: { ...ids, 'targetIndex.$': '$$.Map.Item.Value', 'step.$': '$.step' },
  ItemProcessor: {
    ProcessorConfig: { Mode: 'INLINE' },
    StartAt: taskName,
    States: { [taskName]: task(resource, { End: true }) },
  },
  ResultPath: '$.shift',
  Next: next,
  Comment: name,
});

const batch = {
  Comment:
    'Breakwater batch: a group of a wave’s targets (up to its concurrency) taken through prepare, one-box, bake and rolling steps together. A failure here fails the execution; the wave rolls back.',
  StartAt: 'CheckBatchStart',
  States: {
    // Windows, blocker alarms and manual blocks of every target of the batch, read together: one
    // DescribeAlarms batch per account/region for the batch, never one per target.
    CheckBatchStart: task('CheckBatchStartFunctionArn', {
      Parameters: { ...ids, 'batchIndex.$': '$.batchIndex', 'targets.$': '$.targets' },
      ResultPath: '$.start',
      Next: 'BatchMayStart',
    }),
    BatchMayStart: {
      Type: 'Choice',
      Choices: [{ Variable: '$.start.status', StringEquals: 'ready', Next: 'PrepareTargets' }],
      Default: 'WaitForBatchStart',
    },
    WaitForBatchStart: { Type: 'Wait', SecondsPath: '$.start.waitSeconds', Next: 'CheckBatchStart' },
    PrepareTargets: {
      Type: 'Map',
      ItemsPath: '$.targets',
      MaxConcurrency: 40,
      ItemSelector: { ...ids, 'targetIndex.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'PrepareTarget',
        States: {
          PrepareTarget: task('PrepareTargetFunctionArn', { ResultPath: '$.prepare', Next: 'TargetReady' }),
          // Not ready: its alias is locked by another deployment.
          TargetReady: {
            Type: 'Choice',
            Choices: [{ Variable: '$.prepare.status', StringEquals: 'ready', Next: 'TargetPrepared' }],
            Default: 'WaitForTarget',
          },
          WaitForTarget: { Type: 'Wait', SecondsPath: '$.prepare.waitSeconds', Next: 'PrepareTarget' },
          TargetPrepared: { Type: 'Succeed' },
        },
      },
      ResultPath: null,
      Next: 'RunSteps',
    },
    // The one-box, then each rolling weight; a failed step (a Fail below) fails the batch.
    RunSteps: sequentialMap(
      '$.steps',
      { ...ids, 'batchIndex.$': '$.batchIndex', 'targets.$': '$.targets', 'step.$': '$$.Map.Item.Value' },
      'StepKind',
      {
        StepKind: {
          Type: 'Choice',
          Choices: [{ Variable: '$.step.kind', StringEquals: 'one-box', Next: 'StartOneBox' }],
          Default: 'ShiftWeights',
        },
        StartOneBox: shiftMap(
          'One-box: the first share of traffic on the new version',
          'StartOneBoxFunctionArn',
          'StartOneBoxOnTarget',
          'ResetOneBoxCheck',
        ),
        ResetOneBoxCheck: resetCheck('WaitForOneBoxBake'),
        ...pollLoop('WaitForOneBoxBake', 'WaitForBakeFunctionArn', batchCheck, 'StepDone', 'OneBoxFailed'),
        OneBoxFailed: {
          Type: 'Fail',
          Error: 'RollbackRequired',
          Cause: 'The one-box bake failed; the reason is in the deployment timeline.',
        },
        ShiftWeights: shiftMap(
          'Rolling: the next weight on every target of the batch',
          'ShiftWeightFunctionArn',
          'ShiftWeightOnTarget',
          'ResetStepCheck',
        ),
        ResetStepCheck: resetCheck('CheckStepAlarms'),
        ...pollLoop('CheckStepAlarms', 'CheckAlarmsFunctionArn', batchCheck, 'StepDone', 'StepFailed'),
        StepFailed: {
          Type: 'Fail',
          Error: 'RollbackRequired',
          Cause: 'A rolling step failed its health check; the reason is in the deployment timeline.',
        },
        StepDone: { Type: 'Pass', Result: { done: true }, End: true },
      },
      { Next: 'BatchDeployed' },
    ),
    BatchDeployed: { Type: 'Succeed' },
  },
};

const catchToRollback = (next: string) => [
  { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: next },
];

const wave = {
  Comment:
    'Breakwater wave: one wave of a deployment. Batches of targets run one after the other as child executions, then the wave bakes. Any failure rolls the wave back and fails.',
  StartAt: 'StartWave',
  States: {
    StartWave: task('StartWaveFunctionArn', {
      Parameters: ids,
      ResultPath: '$.wave',
      Next: 'DeployBatches',
      Catch: catchToRollback('RollBackWave'),
    }),
    DeployBatches: sequentialMap(
      '$.wave.batches',
      {
        ...ids,
        'batchIndex.$': '$$.Map.Item.Index',
        'targets.$': '$$.Map.Item.Value',
        'steps.$': '$.wave.steps',
      },
      'DeployBatch',
      {
        DeployBatch: syncChild(
          'BatchStateMachineArn',
          { ...ids, 'batchIndex.$': '$.batchIndex', 'targets.$': '$.targets', 'steps.$': '$.steps' },
          { ResultSelector: { 'status.$': '$.Status' }, End: true },
        ),
      },
      { Next: 'BeginWaveBake', Catch: catchToRollback('RollBackWave') },
    ),
    BeginWaveBake: task('RecordProgressFunctionArn', {
      Parameters: { ...ids, event: 'wave-bake-started' },
      ResultPath: '$.bake',
      Next: 'ResetWaveCheck',
      Catch: catchToRollback('RollBackWave'),
    }),
    ResetWaveCheck: resetCheck('WaitForWaveBake'),
    ...pollLoop(
      'WaitForWaveBake',
      'WaitForBakeFunctionArn',
      { ...ids, scope: 'wave', 'startedAtMs.$': '$.bake.startedAtMs' },
      'CompleteWave',
      'WaveBakeFailed',
    ),
    WaveBakeFailed: {
      Type: 'Pass',
      Parameters: { Error: 'RollbackRequired', 'Cause.$': '$.check.reason' },
      ResultPath: '$.error',
      Next: 'RollBackWave',
    },
    CompleteWave: task('RecordProgressFunctionArn', {
      Parameters: { ...ids, event: 'wave-succeeded' },
      ResultPath: null,
      Next: 'WaveSucceeded',
      Catch: catchToRollback('RollBackWave'),
    }),
    WaveSucceeded: { Type: 'Succeed' },
    RollBackWave: {
      ...task('RollBackFunctionArn', {
        Parameters: { ...ids, scope: 'wave', 'error.$': '$.error' },
        ResultPath: '$.rollback',
        Next: 'WaveRolledBack',
      }),
      Retry: ROLLBACK_RETRY,
    },
    WaveRolledBack: {
      Type: 'Fail',
      Error: 'WaveRolledBack',
      Cause: 'The wave was rolled back; the reason is in the deployment timeline.',
    },
  },
};

const deployment = {
  Comment:
    'Breakwater deployment: carries one change through the waves of a pipeline, each wave a child execution. Every failure path ends in a rollback of every target that carries the new version. Input: {"pipeline": "<name>", "change": {"id": "<commit or build id>", "version": "<Lambda version, for versions artifacts>"}, "requestedBy": "<who>"}.',
  StartAt: 'StartDeployment',
  States: {
    StartDeployment: task('StartDeploymentFunctionArn', {
      Parameters: { 'request.$': '$', 'executionName.$': '$$.Execution.Name' },
      ResultPath: '$.deployment',
      Next: 'ListWaves',
      Catch: [
        { ErrorEquals: ['InvalidInputError'], ResultPath: '$.error', Next: 'InvalidInput' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'StartFailed' },
      ],
    }),
    InvalidInput: { Type: 'Fail', Error: 'InvalidInput', CausePath: '$.error.Cause' },
    StartFailed: { Type: 'Fail', Error: 'StartFailed', CausePath: '$.error.Cause' },
    ListWaves: {
      Type: 'Pass',
      Parameters: { 'indexes.$': 'States.ArrayRange(0, States.MathAdd($.deployment.waveCount, -1), 1)' },
      ResultPath: '$.waves',
      Next: 'RunWaves',
    },
    RunWaves: sequentialMap(
      '$.waves.indexes',
      { 'deploymentId.$': '$.deployment.deploymentId', 'waveIndex.$': '$$.Map.Item.Value' },
      'CheckWaveGate',
      {
        // Blockers hold a wave before it starts: alarms, time windows, manual blocks, the previous
        // change still in the wave. A wave that already succeeded (a resumed deployment) is skipped.
        CheckWaveGate: task('CheckWaveGateFunctionArn', {
          Parameters: ids,
          ResultPath: '$.gate',
          Next: 'WaveGate',
        }),
        WaveGate: {
          Type: 'Choice',
          Choices: [
            { Variable: '$.gate.decision', StringEquals: 'go', Next: 'RunWave' },
            { Variable: '$.gate.decision', StringEquals: 'skip', Next: 'WaveAlreadySucceeded' },
            { Variable: '$.gate.decision', StringEquals: 'superseded', Next: 'Superseded' },
          ],
          Default: 'WaitForWaveGate',
        },
        WaitForWaveGate: { Type: 'Wait', SecondsPath: '$.gate.waitSeconds', Next: 'CheckWaveGate' },
        WaveAlreadySucceeded: { Type: 'Succeed' },
        // An iteration cannot end the execution: superseded leaves the Map as an error that the
        // Map's first catcher turns into the deployment's success.
        Superseded: {
          Type: 'Fail',
          Error: 'DeploymentSuperseded',
          Cause: 'A newer change of the pipeline took its place before it started.',
        },
        RunWave: syncChild('WaveStateMachineArn', ids, {
          ResultSelector: { 'status.$': '$.Status' },
          End: true,
        }),
      },
      {
        Next: 'CompleteDeployment',
        Catch: [
          { ErrorEquals: ['DeploymentSuperseded'], ResultPath: null, Next: 'DeploymentSuperseded' },
          ...catchToRollback('RollBackDeployment'),
        ],
      },
    ),
    DeploymentSuperseded: {
      Type: 'Succeed',
      Comment: 'A newer change of the pipeline took its place before it started.',
    },
    CompleteDeployment: task('RecordProgressFunctionArn', {
      Parameters: { 'deploymentId.$': '$.deployment.deploymentId', event: 'deployment-succeeded' },
      ResultPath: null,
      Next: 'DeploymentSucceeded',
      Catch: catchToRollback('RollBackDeployment'),
    }),
    DeploymentSucceeded: { Type: 'Succeed' },
    RollBackDeployment: {
      ...task('RollBackFunctionArn', {
        Parameters: {
          'deploymentId.$': '$.deployment.deploymentId',
          scope: 'deployment',
          'error.$': '$.error',
        },
        ResultPath: '$.rollback',
        Next: 'DeploymentRolledBack',
      }),
      Retry: ROLLBACK_RETRY,
    },
    DeploymentRolledBack: {
      Type: 'Fail',
      Error: 'DeploymentRolledBack',
      Cause: 'The deployment was rolled back; the reason is in the deployment timeline.',
    },
  },
};

for (const [name, def] of Object.entries({ deployment, wave, batch })) {
  writeFileSync(
    new URL(`../statemachines/${name}.asl.json`, import.meta.url),
    `${JSON.stringify(def, null, 2)}\n`,
  );
}
