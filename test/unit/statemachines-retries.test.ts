import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { STEP_LAMBDA_TIMEOUT_SECONDS } from '../../functions/lib/step-timeouts.js';
import * as errors from '../../src/core/errors.js';
import {
  AliasConflictError,
  BreakwaterError,
  DeploymentCancelledError,
  InvalidInputError,
  NotFoundError,
  RETRYABLE_ERROR_NAMES,
  RollbackStartedError,
  ThrottledError,
  TransientError,
} from '../../src/core/errors.js';
import { type LambdaHandler, LocalStepFunctions } from '../../src/local/step-functions.js';
import { VirtualTime } from '../../src/local/virtual-time.js';
import { STATE_MACHINES, STEP_FUNCTIONS } from '../../src/ports/step-catalog.js';

type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds: number;
  BackoffRate: number;
  MaxAttempts: number;
  MaxDelaySeconds: number;
  JitterStrategy: string;
};
type State = { Type: string; Resource?: string; Retry?: Retrier[]; TimeoutSeconds?: number } & Record<
  string,
  unknown
>;

function lambdaTasks(definition: { States: Record<string, State> }): [string, State][] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const nested = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, State> } | undefined;
    const own: [string, State][] =
      state.Type === 'Task' && state.Resource?.endsWith('FunctionArn}') ? [[name, state]] : [];
    return [...own, ...(nested ? lambdaTasks(nested) : [])];
  });
}

const tasks = STATE_MACHINES.flatMap((m) =>
  lambdaTasks(JSON.parse(readFileSync(m.file, 'utf8'))).map(([name, state]) => ({
    machine: m.id,
    name,
    state,
  })),
);
/** The rollback of a deployment or wave, and the rollback of a finished release. */
const isRollback = (t: { state: State }) =>
  /\$\{RollBack(Release)?FunctionArn\}/.test(t.state.Resource ?? '');
const rollbackTasks = tasks.filter(isRollback);
const forwardTasks = tasks.filter((t) => !isRollback(t));

/** Seconds a retrier waits over all its attempts, without jitter. */
const totalBackoffSeconds = (r: Retrier) =>
  Array.from({ length: r.MaxAttempts }, (_, k) =>
    Math.min(r.IntervalSeconds * r.BackoffRate ** k, r.MaxDelaySeconds),
  ).reduce((a, b) => a + b, 0);

describe('error classes behind the Retry lists', () => {
  const classes = Object.values(errors).filter(
    (value): value is typeof BreakwaterError =>
      typeof value === 'function' &&
      (value === BreakwaterError || value.prototype instanceof BreakwaterError),
  );

  it('lists as retryable exactly the classes whose retryable is true', () => {
    expect([...RETRYABLE_ERROR_NAMES].sort()).toEqual(
      classes
        .filter((c) => c.retryable)
        .map((c) => c.name)
        .sort(),
    );
    expect(RETRYABLE_ERROR_NAMES).toEqual(['ThrottledError', 'TransientError', 'AliasConflictError']);
  });

  it('gives every instance its class’s retryable', () => {
    expect(new ThrottledError('slow down')).toMatchObject({ name: 'ThrottledError', retryable: true });
    expect(new AliasConflictError('changed')).toMatchObject({ retryable: true });
    expect(new NotFoundError('gone')).toMatchObject({ name: 'NotFoundError', retryable: false });
  });

  it('makes RollbackStartedError and DeploymentCancelledError terminal', () => {
    expect(RollbackStartedError.retryable).toBe(false);
    expect(DeploymentCancelledError.retryable).toBe(false);
    expect(new RollbackStartedError('rolling back').retryable).toBe(false);
  });
});

describe('state machine Retry policies', () => {
  const terminal = Object.values(errors)
    .filter(
      (value): value is typeof BreakwaterError =>
        typeof value === 'function' &&
        value.prototype instanceof BreakwaterError &&
        !(value as typeof BreakwaterError).retryable,
    )
    .map((c) => c.name);

  it.each(tasks.map((t) => [`${t.machine}.${t.name}`, t.state]))(
    '%s retries every retryable error and never States.ALL or a terminal error',
    (_name, state) => {
      const names = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(names).toEqual(expect.arrayContaining([...RETRYABLE_ERROR_NAMES, 'Lambda.ServiceException']));
      expect(names).not.toContain('States.ALL');
      expect(names.filter((n) => terminal.includes(n))).toEqual([]);
    },
  );

  it.each(forwardTasks.map((t) => [`${t.machine}.${t.name}`, t.state]))(
    '%s does not retry States.Timeout: a forward step that does not answer rolls back',
    (_name, state) => {
      expect((state.Retry ?? []).flatMap((r) => r.ErrorEquals)).not.toContain('States.Timeout');
    },
  );

  it.each(rollbackTasks.map((t) => [`${t.machine}.${t.name}`, t.state]))(
    '%s keeps retrying transient failures and timeouts for about 16 minutes, without jitter',
    (_name, state) => {
      const [retrier, ...others] = state.Retry ?? [];
      expect(others).toEqual([]);
      expect(retrier!.ErrorEquals).toEqual(
        expect.arrayContaining([...RETRYABLE_ERROR_NAMES, 'States.Timeout']),
      );
      expect(retrier!.JitterStrategy).toBe('NONE');
      expect(totalBackoffSeconds(retrier!) / 60).toBeGreaterThanOrEqual(15);
      expect(totalBackoffSeconds(retrier!) / 60).toBeLessThanOrEqual(20);
      // a timed-out attempt has ended before it is retried
      expect(state.TimeoutSeconds).toBeGreaterThan(STEP_LAMBDA_TIMEOUT_SECONDS);
    },
  );
});

describe('the wave rollback on the embedded engine', () => {
  let time: VirtualTime | undefined;
  afterEach(() => {
    time?.uninstall();
    time = undefined;
  });

  /** Runs the real wave machine; StartWave fails and RollBack answers with `rollBack`. */
  async function runWave(rollBack: LambdaHandler) {
    time = VirtualTime.install(Date.parse('2026-11-23T09:00:00Z'));
    const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
    const lambdas = new Map<string, LambdaHandler>(
      STEP_FUNCTIONS.map((s) => [
        arnOf(s.id),
        s.id === 'RollBack'
          ? rollBack
          : async () => {
              throw new InvalidInputError('StartWave input', [
                { path: 'waveIndex', message: 'expected a number' },
              ]);
            },
      ]),
    );
    const substitutions = Object.fromEntries([
      ...STEP_FUNCTIONS.map((s) => [s.arnVariable, arnOf(s.id)]),
      ...STATE_MACHINES.map((m) => [
        m.arnVariable,
        `arn:aws:states:us-east-1:000000000000:stateMachine:${m.id}`,
      ]),
    ]);
    const sfn = new LocalStepFunctions({ time, lambdas, substitutions });
    const wave = 'arn:aws:states:us-east-1:000000000000:stateMachine:Wave';
    sfn.load('statemachines/wave.asl.json', wave);
    return time.drive(sfn.startExecution(wave, { deploymentId: 'd-1', waveIndex: 0 }).done);
  }

  it('outlasts a throttled rollback: retried until it succeeds, then the wave fails as rolled back', async () => {
    let calls = 0;
    const startMs = Date.parse('2026-11-23T09:00:00Z');
    const outcome = await runWave(async () => {
      calls++;
      if (calls <= 12) throw new ThrottledError('UpdateAlias was throttled');
      if (calls <= 14) throw new TransientError('UpdateAlias failed with HTTP 503');
      return { rolledBack: 2 };
    });

    expect(outcome).toMatchObject({ status: 'FAILED', error: 'WaveRolledBack' });
    expect(calls).toBe(15);
    expect((time!.nowMs() - startMs) / 60_000).toBeGreaterThan(8);
  });

  it.each([
    ['NotFoundError', () => new NotFoundError('GetAlias payments:live in eu-west-1 failed: not found')],
    [
      'InvalidInputError',
      () => new InvalidInputError('RollBack input', [{ path: 'scope', message: 'expected wave' }]),
    ],
  ])('stops at once on a terminal %s instead of repeating it for 16 minutes', async (name, error) => {
    let calls = 0;
    const outcome = await runWave(async () => {
      calls++;
      throw error();
    });

    expect(outcome).toMatchObject({ status: 'FAILED', error: name });
    expect(calls).toBe(1);
  });
});
