/*
 * The ASL files in statemachines/ are the source of truth and are committed as JSON. This script
 * only exists to write them consistently (shared Retry policies); run it after editing it:
 *   npm run gen:asl
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { HOOK_TASK_TIMEOUT_SECONDS, STEP_TASK_TIMEOUT_SECONDS } from '../functions/lib/step-timeouts.js';
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
/*
 * The hook step: the wave's hooks at one moment, for the batch's targets (with `targets`) or the
 * wave. It waits for the hooks' answers, so its Task waits as long as its Lambda may run (15 min).
 * A failed hook begins the rollback and fails the step (HookFailedError, terminal).
 */
const hooksTask = (at: string, withTargets: boolean, next: string, rest: Record<string, unknown> = {}) => ({
  ...task('RunHooksFunctionArn', {
    Comment: `The wave's ${at} hooks${withTargets ? ', for every target of the batch' : ', once for the wave'}`,
    Parameters: { ...ids, at, ...(withTargets ? { 'targets.$': '$.targets' } : {}) },
    ResultPath: null,
    Next: next,
    ...rest,
  }),
  TimeoutSeconds: HOOK_TASK_TIMEOUT_SECONDS,
});
/** A Choice rule on a boolean flag that may be absent (absent is false, not a States.Runtime error). */
const flagIsTrue = (path: string, next: string) => ({
  And: [
    { Variable: path, IsPresent: true },
    { Variable: path, BooleanEquals: true },
  ],
  Next: next,
});
/** A step's target hooks are `at` (`$.step.hook` may be absent: IsPresent first). */
const stepHookIs = (at: string, next: string) => ({
  And: [
    { Variable: '$.step.hook', IsPresent: true },
    { Variable: '$.step.hook', StringEquals: at },
  ],
  Next: next,
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
/*
 * A bake or health check: wait, check, decide, wait again. It is entered at its Wait: the step
 * that starts it (ShiftWeights, BeginWaveBake) returns the first check's state under
 * `<path>.check` (verdict "pending", the first wait: the safety poll, or the bake when shorter), so
 * a poll costs three state transitions and nothing reads alarms right after a read that just
 * happened (the batch start or the previous step's last check).
 */
const pollLoop = (
  prefix: string,
  resource: string,
  params: Record<string, unknown>,
  path: string,
  onBaked: string,
  onFailed: string,
  /** Choice rules tried before `onBaked` when baked (where to go instead), in order. */
  bakedBranches: Record<string, unknown>[] = [],
) => ({
  [`${prefix}Wait`]: { Type: 'Wait', SecondsPath: `${path}.check.waitSeconds`, Next: prefix },
  [prefix]: task(resource, {
    Parameters: { ...params, 'previous.$': `${path}.check` },
    ResultPath: `${path}.check`,
    Next: `${prefix}Verdict`,
  }),
  [`${prefix}Verdict`]: {
    Type: 'Choice',
    Choices: [
      ...bakedBranches.map(({ Next, ...rule }) => ({
        And: [{ Variable: `${path}.check.verdict`, StringEquals: 'baked' }, ...(rule.And as unknown[])],
        Next,
      })),
      { Variable: `${path}.check.verdict`, StringEquals: 'baked', Next: onBaked },
      { Variable: `${path}.check.verdict`, StringEquals: 'failed', Next: onFailed },
    ],
    Default: `${prefix}Wait`,
  },
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
  'shift.$': '$.watch.shift',
  scope: 'batch',
};

/*
 * A traffic step on every target of the batch in one invocation (not a Map of one Task per
 * target): one state transition per batch instead of one per target, and the handler reads the
 * deployment, the pipeline and the target records once for all of them.
 */
const shiftBatch = (name: string, resource: string, next: string) =>
  task(resource, {
    Comment: name,
    Parameters: { ...ids, 'targets.$': '$.targets', 'step.$': '$.step' },
    ResultPath: '$.watch',
    Next: next,
  });

const batch = {
  Comment:
    'Breakwater batch: a group of a wave’s targets (up to its concurrency) taken through prepare, one-box, bake and rolling steps together. A failure here fails the execution; the wave rolls back.',
  StartAt: 'StaggerBatch',
  States: {
    // The previous batch's last check (or the wave gate) read this region's alarms a moment ago:
    // a second apart, DescribeAlarms stays at one call per second per region.
    StaggerBatch: { Type: 'Wait', Seconds: 1, Next: 'PrepareTargets' },
    // Every target of the batch in one invocation: windows, blocker alarms and manual blocks read
    // together (one DescribeAlarms per account/region for the batch, never one per target), then
    // alias locks, new versions and serving versions.
    PrepareTargets: task('PrepareTargetFunctionArn', {
      Parameters: { ...ids, 'batchIndex.$': '$.batchIndex', 'targets.$': '$.targets' },
      ResultPath: '$.prepare',
      Next: 'TargetsReady',
    }),
    // Not ready: a blocker holds a target, or another deployment holds an alias.
    TargetsReady: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.prepare.status', StringEquals: 'ready' },
            { Variable: '$.hooks.beforeTraffic', IsPresent: true },
            { Variable: '$.hooks.beforeTraffic', BooleanEquals: true },
          ],
          Next: 'BeforeTrafficHooks',
        },
        { Variable: '$.prepare.status', StringEquals: 'ready', Next: 'RunSteps' },
      ],
      Default: 'WaitForTargets',
    },
    WaitForTargets: { Type: 'Wait', SecondsPath: '$.prepare.waitSeconds', Next: 'PrepareTargets' },
    // New versions published, no traffic on them yet.
    BeforeTrafficHooks: hooksTask('beforeTraffic', true, 'RunSteps'),
    // The one-box, then each rolling weight, each on every target of the batch and then watched
    // (a bake or a health check); a failed step (the Fail below) fails the batch.
    RunSteps: sequentialMap(
      '$.steps',
      { ...ids, 'batchIndex.$': '$.batchIndex', 'targets.$': '$.targets', 'step.$': '$$.Map.Item.Value' },
      'ShiftWeights',
      {
        ShiftWeights: shiftBatch(
          'The one-box or the next rolling weight, on every target of the batch',
          'ShiftWeightFunctionArn',
          'WatchStepWait',
        ),
        // Baked: after the one-box bake (afterOneBox) or the last step at 100 % (afterTraffic), the
        // wave's target hooks when it has some there (the step says which), else the next step. A
        // Choice on a path that is not there fails the execution (States.Runtime): IsPresent first.
        ...pollLoop('WatchStep', 'WaitForBakeFunctionArn', batchCheck, '$.watch', 'StepDone', 'StepFailed', [
          stepHookIs('afterOneBox', 'AfterOneBoxHooks'),
          stepHookIs('afterTraffic', 'AfterTrafficHooks'),
        ]),
        AfterOneBoxHooks: hooksTask('afterOneBox', true, 'StepDone'),
        AfterTrafficHooks: hooksTask('afterTraffic', true, 'StepDone'),
        StepFailed: {
          Type: 'Fail',
          Error: 'RollbackRequired',
          Cause:
            'A one-box bake or a rolling step’s health check failed; the reason is in the deployment timeline.',
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

/** A wave hook moment: a Choice on the flag StartWave returns, then the hook step, or on to `next`. */
const waveHooks = (name: string, at: string, flag: string, next: string) => ({
  [name]: { Type: 'Choice', Choices: [flagIsTrue(flag, `${name}Hooks`)], Default: next },
  [`${name}Hooks`]: hooksTask(at, false, next, { Catch: catchToRollback('RollBackWave') }),
});

const wave = {
  Comment:
    'Breakwater wave: one wave of a deployment. Batches of targets run one after the other as child executions, then the wave bakes. Any failure rolls the wave back and fails.',
  StartAt: 'StartWave',
  States: {
    StartWave: task('StartWaveFunctionArn', {
      Parameters: ids,
      ResultPath: '$.wave',
      Next: 'WaveBeforeTraffic',
      Catch: catchToRollback('RollBackWave'),
    }),
    // The wave's own hooks (scope "wave"): before its first batch, and after its last.
    ...waveHooks('WaveBeforeTraffic', 'beforeTraffic', '$.wave.hooks.waveBeforeTraffic', 'DeployBatches'),
    DeployBatches: sequentialMap(
      '$.wave.batches',
      {
        ...ids,
        'batchIndex.$': '$$.Map.Item.Index',
        'targets.$': '$$.Map.Item.Value',
        'steps.$': '$.wave.steps',
        'hooks.$': '$.wave.hooks',
      },
      'DeployBatch',
      {
        DeployBatch: syncChild(
          'BatchStateMachineArn',
          {
            ...ids,
            'batchIndex.$': '$.batchIndex',
            'targets.$': '$.targets',
            'steps.$': '$.steps',
            'hooks.$': '$.hooks',
          },
          { ResultSelector: { 'status.$': '$.Status' }, End: true },
        ),
      },
      { Next: 'WaveAfterTraffic', Catch: catchToRollback('RollBackWave') },
    ),
    ...waveHooks('WaveAfterTraffic', 'afterTraffic', '$.wave.hooks.waveAfterTraffic', 'BeginWaveBake'),
    BeginWaveBake: task('RecordProgressFunctionArn', {
      Parameters: { ...ids, event: 'wave-bake-started' },
      ResultPath: '$.bake',
      Next: 'WaitForWaveBakeWait',
      Catch: catchToRollback('RollBackWave'),
    }),
    ...pollLoop(
      'WaitForWaveBake',
      'WaitForBakeFunctionArn',
      { ...ids, scope: 'wave', 'startedAtMs.$': '$.bake.startedAtMs' },
      '$.bake',
      'CompleteWave',
      'WaveBakeFailed',
    ),
    WaveBakeFailed: {
      Type: 'Pass',
      Parameters: { Error: 'RollbackRequired', 'Cause.$': '$.bake.check.reason' },
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
      'StaggerWave',
      {
        // The previous wave's last bake check read alarms a moment ago, maybe in the same region:
        // a second apart, DescribeAlarms stays at one call per second per region.
        StaggerWave: { Type: 'Wait', Seconds: 1, Next: 'CheckWaveGate' },
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

/*
 * Taking back a release that had succeeded: one step takes back the waves that are due and says
 * whether to wait (the bake between waves in reverse-waves mode, at most a safety poll so a request
 * to hurry is seen) or that it is done. What is done lives in the records, so a retried or
 * restarted execution picks up where it stopped. Never held by blockers, windows or approvals.
 */
const releaseRollback = {
  Comment:
    'Breakwater release rollback: takes every target a succeeded deployment moved back to the version it served before, all at once or wave by wave in reverse order with the pipeline bake between. Input: {"deploymentId": "<id>"}; started by POST /deployments/{id}/rollback, which records who asked and why.',
  StartAt: 'RollBackRelease',
  States: {
    RollBackRelease: {
      ...task('RollBackReleaseFunctionArn', {
        Parameters: { 'deploymentId.$': '$.deploymentId' },
        ResultPath: '$.progress',
        Next: 'ReleaseRollbackDone',
      }),
      Retry: ROLLBACK_RETRY,
    },
    ReleaseRollbackDone: {
      Type: 'Choice',
      Choices: [{ Variable: '$.progress.done', BooleanEquals: true, Next: 'ReleaseRolledBack' }],
      Default: 'WaitForReleaseBake',
    },
    WaitForReleaseBake: { Type: 'Wait', SecondsPath: '$.progress.waitSeconds', Next: 'RollBackRelease' },
    ReleaseRolledBack: { Type: 'Succeed' },
  },
};

/**
 * The text of every ASL file, by its path from the repository root, as this script writes it.
 * The drift test compares it with the committed files without writing anything.
 *
 * @example renderAsl()['statemachines/wave.asl.json'].startsWith('{')
 */
export function renderAsl(): Record<string, string> {
  return Object.fromEntries(
    Object.entries({ deployment, wave, batch, 'release-rollback': releaseRollback }).map(([name, def]) => [
      `statemachines/${name}.asl.json`,
      `${JSON.stringify(def, null, 2)}\n`,
    ]),
  );
}

// Run as a script (`npm run gen:asl`): write the files. Imported (the drift test): write nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [path, text] of Object.entries(renderAsl())) {
    writeFileSync(new URL(`../${path}`, import.meta.url), text);
  }
}
