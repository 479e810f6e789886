/*
 * Waves, batches and steps run as AWS runs a Map with MaxConcurrency 1: one after the other, and
 * a failed one fails the Map, so no later one starts (Step Functions developer guide,
 * amazon-states-language-map-state). These run the real ASL files on the embedded engine with
 * stand-in step handlers, one machine at a time (its child machine is a stand-in too).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LambdaHandler, LocalStepFunctions } from '../../src/local/step-functions.js';
import { VirtualTime } from '../../src/local/virtual-time.js';
import { STATE_MACHINES, STEP_FUNCTIONS } from '../../src/ports/step-catalog.js';

type MachineId = (typeof STATE_MACHINES)[number]['id'];
type StepId = (typeof STEP_FUNCTIONS)[number]['id'];
type State = { Type: string; MaxConcurrency?: number; ItemsPath?: string } & Record<string, unknown>;

const definition = (id: MachineId) =>
  JSON.parse(readFileSync(STATE_MACHINES.find((m) => m.id === id)!.file, 'utf8')) as {
    States: Record<string, State>;
  };
const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const machineArn = (id: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${id}`;
const CHILD_STUB = 'ChildStub';

let time: VirtualTime | undefined;
afterEach(() => {
  time?.uninstall();
  time = undefined;
});

/** What a step that starts a bake returns: the first check comes after a (virtual) second. */
const FIRST_CHECK = { verdict: 'baking', signature: '', waitSeconds: 1 };

/**
 * Runs machine `id` from statemachines/ with `handlers` for its steps (others fail the test) and,
 * for its child machine, a stand-in whose only Task is the `ChildStub` handler.
 */
async function run(
  id: MachineId,
  input: unknown,
  handlers: Partial<Record<StepId | typeof CHILD_STUB, LambdaHandler>>,
) {
  time = VirtualTime.install(Date.parse('2026-11-23T09:00:00Z'));
  const calls: { step: string; input: unknown }[] = [];
  const lambdas = new Map<string, LambdaHandler>(
    [...STEP_FUNCTIONS.map((s) => s.id as string), CHILD_STUB].map((name) => [
      lambdaArn(name),
      async (event) => {
        calls.push({ step: name, input: event });
        const handler = handlers[name as StepId];
        if (!handler) throw new Error(`unexpected call of ${name}`);
        return handler(event);
      },
    ]),
  );
  const substitutions = Object.fromEntries([
    ...STEP_FUNCTIONS.map((s) => [s.arnVariable, lambdaArn(s.id)]),
    ...STATE_MACHINES.map((m) => [m.arnVariable, machineArn(m.id)]),
  ]);
  const sfn = new LocalStepFunctions({ time, lambdas, substitutions });
  const stub = join(mkdtempSync(join(tmpdir(), 'child-')), 'child.asl.json');
  writeFileSync(
    stub,
    JSON.stringify({
      StartAt: 'Child',
      States: { Child: { Type: 'Task', Resource: lambdaArn(CHILD_STUB), End: true } },
    }),
  );
  for (const machine of STATE_MACHINES)
    sfn.load(machine.id === id ? machine.file : stub, machineArn(machine.id));
  const outcome = await time.drive(sfn.startExecution(machineArn(id), input).done);
  return {
    outcome,
    calls,
    stepsCalled: (step: string) => calls.filter((c) => c.step === step).map((c) => c.input),
  };
}

const fail = (name: string, message: string) => async () => {
  throw Object.assign(new Error(message), { name });
};

describe('sequential loops in the state machines', () => {
  it.each([
    ['Deployment', 'RunWaves', '$.waves.indexes'],
    ['Wave', 'DeployBatches', '$.wave.batches'],
    ['Batch', 'RunSteps', '$.steps'],
  ] as const)('%s runs its %s as a Map over %s, one iteration at a time', (id, state, itemsPath) => {
    const states = definition(id).States;
    expect(states[state]).toMatchObject({ Type: 'Map', MaxConcurrency: 1, ItemsPath: itemsPath });
    // no index bookkeeping left: no counter states, no arithmetic on an index
    expect(Object.keys(states).filter((name) => /^(Next|Advance|More|First)[A-Z]/.test(name))).toEqual([]);
    expect(JSON.stringify(states)).not.toMatch(/States\.MathAdd\(\$\.(wave|batch|step)Index/);
  });
});

describe('the deployment machine', () => {
  const started = async () => ({ deploymentId: 'd-1', waveCount: 3 });

  it('checks the gate before each wave, skips a wave that already succeeded, and runs the others in order', async () => {
    const gates: Record<number, string[]> = { 0: ['skip'], 1: ['wait', 'go'], 2: ['go'] };
    const { outcome, stepsCalled } = await run(
      'Deployment',
      { pipeline: 'orders' },
      {
        StartDeployment: started,
        CheckWaveGate: async (event) => {
          const decision = gates[(event as { waveIndex: number }).waveIndex]!.shift();
          return decision === 'wait' ? { decision, waitSeconds: 300 } : { decision };
        },
        ChildStub: async () => ({}),
        RecordProgress: async () => ({}),
      },
    );

    expect(outcome.status).toBe('SUCCEEDED');
    expect(stepsCalled('CheckWaveGate')).toEqual([
      { deploymentId: 'd-1', waveIndex: 0 },
      { deploymentId: 'd-1', waveIndex: 1 },
      { deploymentId: 'd-1', waveIndex: 1 },
      { deploymentId: 'd-1', waveIndex: 2 },
    ]);
    expect(stepsCalled('ChildStub')).toEqual([
      expect.objectContaining({ deploymentId: 'd-1', waveIndex: 1 }),
      expect.objectContaining({ deploymentId: 'd-1', waveIndex: 2 }),
    ]);
    expect(stepsCalled('RecordProgress')).toEqual([{ deploymentId: 'd-1', event: 'deployment-succeeded' }]);
  });

  it('rolls the deployment back when a wave fails, and starts no later wave', async () => {
    const { outcome, stepsCalled } = await run(
      'Deployment',
      { pipeline: 'orders' },
      {
        StartDeployment: started,
        CheckWaveGate: async () => ({ decision: 'go' }),
        ChildStub: async (event) => {
          if ((event as { waveIndex: number }).waveIndex === 1) throw new Error('wave 1 rolled back');
          return {};
        },
        RollBack: async () => ({ rolledBack: 2 }),
      },
    );

    expect(outcome).toMatchObject({ status: 'FAILED', error: 'DeploymentRolledBack' });
    expect(stepsCalled('ChildStub').map((i) => (i as { waveIndex: number }).waveIndex)).toEqual([0, 1]);
    expect(stepsCalled('CheckWaveGate')).toHaveLength(2);
    expect(stepsCalled('RollBack')).toEqual([
      {
        deploymentId: 'd-1',
        scope: 'deployment',
        error: { Error: 'States.TaskFailed', Cause: expect.stringContaining('wave 1 rolled back') },
      },
    ]);
  });

  it('rolls back when a wave gate fails (a stop was requested), without starting that wave', async () => {
    const { outcome, stepsCalled } = await run(
      'Deployment',
      { pipeline: 'orders' },
      {
        StartDeployment: started,
        CheckWaveGate: fail('DeploymentCancelledError', 'stopped by ops: bad change'),
        RollBack: async () => ({ rolledBack: 0 }),
      },
    );

    expect(outcome).toMatchObject({ status: 'FAILED', error: 'DeploymentRolledBack' });
    expect(stepsCalled('ChildStub')).toEqual([]);
    expect(stepsCalled('RollBack')).toEqual([
      expect.objectContaining({
        error: { Error: 'DeploymentCancelledError', Cause: 'stopped by ops: bad change' },
      }),
    ]);
  });

  it('ends successfully, rolling nothing back, when a newer change supersedes it', async () => {
    const { outcome, calls } = await run(
      'Deployment',
      { pipeline: 'orders' },
      { StartDeployment: started, CheckWaveGate: async () => ({ decision: 'superseded' }) },
    );

    expect(outcome.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.step)).toEqual(['StartDeployment', 'CheckWaveGate']);
  });
});

describe('the wave machine', () => {
  const steps = [{ index: 0, kind: 'one-box' }];
  const hooks = { beforeTraffic: false, waveBeforeTraffic: false, waveAfterTraffic: false };
  const startWave = async () => ({ name: 'one', batches: [[0, 1], [2, 3], [4]], steps, hooks });

  it('deploys its batches one after the other, each with its targets and the steps', async () => {
    let running = 0;
    const { outcome, stepsCalled } = await run(
      'Wave',
      { deploymentId: 'd-1', waveIndex: 0 },
      {
        StartWave: startWave,
        ChildStub: async () => {
          running++;
          expect(running).toBe(1);
          await Promise.resolve();
          running--;
          return {};
        },
        RecordProgress: async (event) =>
          (event as { event: string }).event === 'wave-bake-started'
            ? { startedAtMs: 0, check: FIRST_CHECK }
            : {},
        WaitForBake: async () => ({ verdict: 'baked', signature: '' }),
      },
    );

    expect(outcome.status).toBe('SUCCEEDED');
    expect(stepsCalled('ChildStub')).toEqual(
      [
        [0, [0, 1]],
        [1, [2, 3]],
        [2, [4]],
      ].map(([batchIndex, targets]) =>
        expect.objectContaining({ deploymentId: 'd-1', waveIndex: 0, batchIndex, targets, steps }),
      ),
    );
  });

  it('rolls the wave back when a batch fails, and starts no later batch', async () => {
    const { outcome, stepsCalled } = await run(
      'Wave',
      { deploymentId: 'd-1', waveIndex: 0 },
      {
        StartWave: startWave,
        ChildStub: async (event) => {
          if ((event as { batchIndex: number }).batchIndex === 1) throw new Error('one-box alarm');
          return {};
        },
        RollBack: async () => ({ rolledBack: 4 }),
      },
    );

    expect(outcome).toMatchObject({ status: 'FAILED', error: 'WaveRolledBack' });
    expect(stepsCalled('ChildStub').map((i) => (i as { batchIndex: number }).batchIndex)).toEqual([0, 1]);
    expect(stepsCalled('RollBack')).toEqual([
      expect.objectContaining({
        scope: 'wave',
        error: expect.objectContaining({ Error: 'States.TaskFailed' }),
      }),
    ]);
  });
});

describe('the batch machine', () => {
  const input = {
    deploymentId: 'd-1',
    waveIndex: 0,
    batchIndex: 0,
    targets: [0, 1],
    steps: [
      { index: 0, kind: 'one-box', weight: 10 },
      { index: 1, kind: 'rolling', weight: 50 },
      { index: 2, kind: 'rolling', weight: 100 },
    ],
  };
  const ready = {
    PrepareTarget: async () => ({ status: 'ready' }),
    ShiftWeight: async () => ({ shift: [{ appliedAtMs: 0 }], check: FIRST_CHECK }),
  };

  it('takes the batch through the steps in order, each step on every target at once: one-box, then each rolling weight', async () => {
    const { outcome, stepsCalled } = await run('Batch', input, {
      ...ready,
      WaitForBake: async () => ({ verdict: 'baked', signature: '' }),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(stepsCalled('PrepareTarget')).toEqual([expect.objectContaining({ targets: [0, 1] })]);
    expect(
      stepsCalled('ShiftWeight').map((i) => [
        (i as { targets: number[] }).targets,
        (i as { step: { weight: number } }).step.weight,
      ]),
    ).toEqual([
      [[0, 1], 10],
      [[0, 1], 50],
      [[0, 1], 100],
    ]);
    expect(stepsCalled('WaitForBake')).toEqual(
      [0, 1, 2].map((index) =>
        expect.objectContaining({ batchIndex: 0, targets: [0, 1], step: expect.objectContaining({ index }) }),
      ),
    );
  });

  it('fails the batch when the one-box bake fails, and moves no weight further', async () => {
    const { outcome, stepsCalled } = await run('Batch', input, {
      ...ready,
      WaitForBake: async () => ({ verdict: 'failed', signature: 'alarm', reason: 'one-box alarm' }),
    });

    expect(outcome).toMatchObject({ status: 'FAILED', error: 'RollbackRequired' });
    expect(stepsCalled('ShiftWeight')).toHaveLength(1);
    expect(stepsCalled('WaitForBake')).toHaveLength(1);
  });
});
