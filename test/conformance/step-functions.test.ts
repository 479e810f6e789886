/*
 * The embedded engine against the Step Functions documentation: one case per documented
 * behaviour, each naming the page and section it follows. Where the interpreter
 * (aws-local-stepfunctions) differs, patches/aws-local-stepfunctions+3.0.0.patch or
 * src/local/step-functions.ts makes it behave as AWS does.
 *
 * Pages (Step Functions developer guide, https://docs.aws.amazon.com/step-functions/latest/dg/):
 *   ERRORS = concepts-error-handling.html
 *   MAP    = amazon-states-language-map-state.html
 *   NESTED = connect-stepfunctions.html; the fields are those of DescribeExecution,
 *            https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LambdaHandler, LocalStepFunctions } from '../../src/local/step-functions.js';
import { VirtualTime } from '../../src/local/virtual-time.js';

const START = Date.parse('2026-11-23T09:00:00Z');
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:step';
const PARENT = 'arn:aws:states:us-east-1:000000000000:stateMachine:parent';
const CHILD = 'arn:aws:states:us-east-1:000000000000:stateMachine:child';

let time: VirtualTime | undefined;
afterEach(() => {
  time?.uninstall();
  time = undefined;
});

/** An engine whose only Lambda is `handler`, with `definitions` loaded under their ARNs. */
function engineWith(handler: LambdaHandler, definitions: Record<string, unknown>) {
  time = VirtualTime.install(START);
  const sfn = new LocalStepFunctions({ time, lambdas: new Map([[FN, handler]]), substitutions: {} });
  const dir = mkdtempSync(join(tmpdir(), 'asl-'));
  for (const [arn, definition] of Object.entries(definitions)) {
    const file = join(dir, `${arn.split(':').pop()}.asl.json`);
    writeFileSync(file, JSON.stringify(definition));
    sfn.load(file, arn);
  }
  const clock = time;
  const run = (arn: string, input: unknown = {}) => clock.drive(sfn.startExecution(arn, input).done);
  return { sfn, run };
}

const task = (rest: Record<string, unknown>) => ({ Type: 'Task', Resource: FN, ...rest });
const machine = <S extends Record<string, object>>(States: S, StartAt = Object.keys(States)[0]) => ({
  StartAt,
  States,
});

describe('Step Functions conformance of the embedded engine', () => {
  describe('ERRORS, "Error names", States.ALL and States.DataLimitExceeded', () => {
    it('a States.ALL catcher does not catch States.DataLimitExceeded: the execution fails', async () => {
      const calls: unknown[] = [];
      const { run } = engineWith(
        async (event) => {
          calls.push(event);
          return { blob: 'x'.repeat(300 * 1024) };
        },
        {
          [PARENT]: machine({
            Big: task({
              Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3, IntervalSeconds: 1 }],
              Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
              End: true,
            }),
            Caught: { Type: 'Succeed' },
          }),
        },
      );

      const outcome = await run(PARENT);

      expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
      expect(outcome.cause).toMatch(/exceeds the 256 KB payload limit/);
      // nor does a States.ALL retrier retry it
      expect(calls).toHaveLength(1);
    });

    it('a States.ALL catcher does not catch States.Runtime: the execution fails', async () => {
      const { run } = engineWith(async () => ({}), {
        [PARENT]: machine({
          MissingPath: task({
            Parameters: { 'value.$': '$.not.there' },
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            End: true,
          }),
          Caught: { Type: 'Succeed' },
        }),
      });

      const outcome = await run(PARENT);

      expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    });

    it('a States.ALL catcher still catches a task error', async () => {
      const { run } = engineWith(
        async () => {
          throw Object.assign(new Error('no such alias'), { name: 'NotFoundError' });
        },
        {
          [PARENT]: machine({
            Fails: task({
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
              End: true,
            }),
            Caught: { Type: 'Pass', End: true },
          }),
        },
      );

      const outcome = await run(PARENT);

      expect(outcome).toMatchObject({
        status: 'SUCCEEDED',
        output: { error: { Error: 'NotFoundError', Cause: 'no such alias' } },
      });
    });
  });

  describe('ERRORS, "Retrying after an error" and "Fallback states": States.ALL alone and last', () => {
    const definitionWith = (field: 'Retry' | 'Catch', matchers: string[][]) =>
      machine({
        Step: task({
          [field]: matchers.map((ErrorEquals) =>
            field === 'Retry' ? { ErrorEquals } : { ErrorEquals, Next: 'Done' },
          ),
          End: true,
        }),
        Done: { Type: 'Succeed' },
      });

    it.each([
      ['Retry', [['States.ALL', 'ThrottledError']], /States\.Step\.Retry\[0\]\.ErrorEquals/],
      ['Retry', [['States.ALL'], ['ThrottledError']], /States\.Step\.Retry\[0\]\.ErrorEquals.*last retrier/],
      ['Catch', [['InvalidInputError', 'States.ALL']], /States\.Step\.Catch\[0\]\.ErrorEquals/],
      [
        'Catch',
        [['States.ALL'], ['InvalidInputError']],
        /States\.Step\.Catch\[0\]\.ErrorEquals.*last catcher/,
      ],
    ] as const)('refuses a definition whose %s is %j', (field, matchers, message) => {
      expect(() =>
        engineWith(async () => ({}), {
          [PARENT]: definitionWith(
            field,
            matchers.map((m) => [...m]),
          ),
        }),
      ).toThrow(message);
    });

    it('refuses the rule broken inside a Map iteration too', () => {
      const definition = machine({
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            ...definitionWith('Catch', [['States.ALL'], ['X']]),
          },
          End: true,
        },
      });

      expect(() => engineWith(async () => ({}), { [PARENT]: definition })).toThrow(
        /States\.Step\.Catch\[0\]/,
      );
    });

    it('accepts named retriers and catchers followed by a States.ALL one', () => {
      const definition = definitionWith('Catch', [['InvalidInputError'], ['States.ALL']]);

      expect(() => engineWith(async () => ({}), { [PARENT]: definition })).not.toThrow();
    });
  });

  describe('MAP, "ItemsPath" and "MaxConcurrency": a failed iteration fails the Map', () => {
    const mapOver = (maxConcurrency: number) =>
      machine({
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: maxConcurrency,
          ItemSelector: { 'item.$': '$$.Map.Item.Value' },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Work',
            States: { Work: task({ End: true }) },
          },
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MapFailed' }],
          ResultPath: '$.results',
          End: true,
        },
        MapFailed: { Type: 'Pass', End: true },
      });

    it('with MaxConcurrency 1, starts no queued iteration after one fails', async () => {
      const started: number[] = [];
      const { run } = engineWith(
        async (event) => {
          const { item } = event as { item: number };
          started.push(item);
          if (item === 1) throw Object.assign(new Error(`item ${item} failed`), { name: 'StepFailed' });
          return { item };
        },
        { [PARENT]: mapOver(1) },
      );

      const outcome = await run(PARENT, { items: [0, 1, 2, 3] });

      expect(started).toEqual([0, 1]);
      expect(outcome).toMatchObject({
        status: 'SUCCEEDED',
        output: { error: { Error: 'StepFailed', Cause: 'item 1 failed' } },
      });
    });

    it('with MaxConcurrency 2, stops the running iteration and starts none of the queued ones', async () => {
      const started: number[] = [];
      const finished: number[] = [];
      const { run } = engineWith(
        async (event) => {
          const { item, finished: done } = event as { item?: number; finished?: number };
          if (done !== undefined) {
            finished.push(done);
            return {};
          }
          started.push(item as number);
          if (item === 0) throw Object.assign(new Error('item 0 failed'), { name: 'StepFailed' });
          return { item };
        },
        {
          [PARENT]: machine({
            Each: {
              ...mapOver(2).States.Each,
              ItemProcessor: {
                ProcessorConfig: { Mode: 'INLINE' },
                StartAt: 'Work',
                States: {
                  Work: task({ Next: 'Linger' }),
                  Linger: { Type: 'Wait', Seconds: 60, Next: 'Finish' },
                  Finish: task({ Parameters: { 'finished.$': '$.item' }, End: true }),
                },
              },
            },
            MapFailed: { Type: 'Pass', End: true },
          }),
        },
      );

      const outcome = await run(PARENT, { items: [0, 1, 2, 3, 4] });

      expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { error: { Error: 'StepFailed' } } });
      expect(started).toEqual([0, 1]);
      expect(finished).toEqual([]);
    });

    it('with MaxConcurrency 1, runs every iteration in order, one at a time, when none fails', async () => {
      let running = 0;
      const order: number[] = [];
      const { run } = engineWith(
        async (event) => {
          running++;
          expect(running).toBe(1);
          order.push((event as { item: number }).item);
          await Promise.resolve();
          running--;
          return {};
        },
        { [PARENT]: mapOver(1) },
      );

      const outcome = await run(PARENT, { items: [3, 1, 2] });

      expect(outcome.status).toBe('SUCCEEDED');
      expect(order).toEqual([3, 1, 2]);
    });
  });

  describe('NESTED, "Workflow Examples" (startExecution.sync:2): the Task returns the DescribeExecution fields', () => {
    const parent = machine({
      RunChild: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: { StateMachineArn: CHILD, Input: { 'wave.$': '$.wave' } },
        ResultPath: '$.child',
        End: true,
      },
    });

    it('with Input and Output as JSON, dates in epoch milliseconds, when the child succeeds', async () => {
      const { run } = engineWith(async (event) => ({ baked: true, ...(event as object) }), {
        [PARENT]: parent,
        [CHILD]: machine({ Bake: task({ End: true }) }),
      });

      const outcome = await run(PARENT, { wave: 2 });

      const child = (outcome.output as { child: Record<string, unknown> }).child;
      expect(child).toEqual({
        ExecutionArn: expect.stringMatching(
          /^arn:aws:states:us-east-1:000000000000:execution:child:exec-\d+$/,
        ),
        StateMachineArn: CHILD,
        Name: expect.stringMatching(/^exec-\d+$/),
        Status: 'SUCCEEDED',
        StartDate: expect.any(Number),
        StopDate: expect.any(Number),
        Input: { wave: 2 },
        InputDetails: { Included: true },
        Output: { baked: true, wave: 2 },
        OutputDetails: { Included: true },
      });
      expect(child.StartDate as number).toBeGreaterThanOrEqual(START);
      expect(child.StopDate as number).toBeGreaterThan(child.StartDate as number);
    });

    it('fails the Task with States.TaskFailed and the description, with the child’s Error and Cause', async () => {
      const { run } = engineWith(async () => ({}), {
        [PARENT]: machine({
          RunChild: {
            ...parent.States.RunChild,
            Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'ChildFailed' }],
          },
          ChildFailed: { Type: 'Pass', End: true },
        }),
        [CHILD]: machine({
          Fail: { Type: 'Fail', Error: 'WaveRolledBack', Cause: 'the wave was rolled back' },
        }),
      });

      const outcome = await run(PARENT, { wave: 1 });

      const error = (outcome.output as { error: { Error: string; Cause: string } }).error;
      expect(error.Error).toBe('States.TaskFailed');
      expect(JSON.parse(error.Cause)).toMatchObject({
        StateMachineArn: CHILD,
        Status: 'FAILED',
        Input: { wave: 1 },
        Error: 'WaveRolledBack',
        Cause: 'the wave was rolled back',
      });
    });
  });
});
