import './polyfill.js';
import { readFileSync } from 'node:fs';
import * as interpreter from 'aws-local-stepfunctions';
import { type InputIssue, InvalidInputError } from '../core/errors.js';
import type { VirtualTime } from './virtual-time.js';

const { StateMachine } = interpreter;
type StateMachine = InstanceType<typeof StateMachine>;
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/*
 * patches/aws-local-stepfunctions+3.0.0.patch (applied by `npm install`/`npm ci` through
 * patch-package) makes the interpreter behave as AWS does where 3.0.0 does not: a failed Map
 * iteration starts no queued iteration, and States.ALL does not match States.DataLimitExceeded
 * or States.Runtime. Without it the local engine would quietly run workflows AWS would not.
 * The installed package imports a bundled, patched copy instead (scripts/build.ts).
 */
if (!('BREAKWATER_PATCH' in interpreter)) {
  throw new Error(
    'aws-local-stepfunctions is not patched: run `npx patch-package` (npm install runs it as postinstall)',
  );
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type AnyState = Record<string, unknown> & { Type: string; Resource?: string };
type Definition = { StartAt: string; States: Record<string, AnyState> } & Record<string, unknown>;

export type LambdaHandler = (event: unknown) => Promise<unknown>;

const SYNC_CHILD = 'arn:aws:states:::states:startExecution.sync:2';
/**
 * Virtual time one Lambda invocation takes. On AWS a warm step Lambda takes tens of ms; modelling
 * it keeps the timeline in causal order (a wave ends before its deployment does).
 */
export const LAMBDA_INVOCATION_MS = 10;
/** Step Functions' payload limit: inputs and outputs above it fail the execution on AWS. */
const PAYLOAD_LIMIT_BYTES = 256 * 1024;

export interface ExecutionRecord {
  readonly arn: string;
  readonly machine: string;
  readonly name: string;
  /** History events as AWS would count them (see {@link awsHistoryEvents}). */
  historyEvents: number;
  stateTransitions: number;
  readonly stateMachineArn: string;
  readonly input: unknown;
  /** Virtual epoch milliseconds. */
  readonly startDateMs: number;
  stopDateMs?: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  error?: string;
  cause?: string;
  output?: unknown;
}

export interface ExecutionOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * How many events one interpreter event stands for in an AWS Standard execution history:
 * a Lambda Task is TaskStateEntered + TaskScheduled + TaskStarted, then TaskSucceeded +
 * TaskStateExited; a startExecution.sync Task adds TaskSubmitted; a Map is MapStateEntered +
 * MapStateStarted ... MapStateSucceeded + MapStateExited; a retry is TaskScheduled + TaskStarted
 * after the TaskFailed; other states are one event in and one out.
 */
export function awsHistoryEvents(event: EventLog, syncStates: ReadonlySet<string>): number {
  switch (event.type) {
    case 'StateEntered':
      if (event.state.type === 'Task') return syncStates.has(event.state.name) ? 4 : 3;
      return event.state.type === 'Map' ? 2 : 1;
    case 'StateExited':
      return event.state.type === 'Task' || event.state.type === 'Map' ? 2 : 1;
    case 'StateFailed':
      return event.state.type === 'Task' || event.state.type === 'Map' ? 1 : 0;
    case 'StateRetried':
      return 2;
    case 'StateCaught':
      return 0;
    default:
      return 1;
  }
}

function walkStates(def: Definition, visit: (name: string, state: AnyState) => void): void {
  for (const [name, state] of Object.entries(def.States)) {
    visit(name, state);
    const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
    if (processor) walkStates(processor, visit);
    for (const branch of (state.Branches as Definition[] | undefined) ?? []) walkStates(branch, visit);
  }
}

/**
 * Where a definition breaks the rule AWS enforces and the interpreter does not: "States.ALL" must
 * appear alone in its `ErrorEquals` and in the last Retrier or Catcher (Step Functions developer
 * guide, concepts-error-handling: "Retrying after an error" and "Fallback states").
 *
 * @example errorMatcherIssues(JSON.parse(readFileSync('statemachines/wave.asl.json', 'utf8'))) // []
 */
export function errorMatcherIssues(definition: Definition): InputIssue[] {
  const issues: InputIssue[] = [];
  walkStates(definition, (stateName, state) => {
    for (const field of ['Retry', 'Catch'] as const) {
      const matchers = (state[field] as { ErrorEquals?: unknown }[] | undefined) ?? [];
      matchers.forEach((matcher, index) => {
        const names = Array.isArray(matcher.ErrorEquals) ? matcher.ErrorEquals : [];
        if (!names.includes('States.ALL')) return;
        const alone = names.length === 1;
        const last = index === matchers.length - 1;
        if (alone && last) return;
        issues.push({
          path: `States.${stateName}.${field}[${index}].ErrorEquals`,
          message: `"States.ALL" must be the only error name of the last ${field === 'Retry' ? 'retrier' : 'catcher'}`,
          received: alone ? `${field}[${index}] of ${matchers.length}` : names,
          expected: `["States.ALL"] in ${field}[${matchers.length - 1}]`,
        });
      });
    }
  });
  return issues;
}

/** Fills `${Name}` placeholders; every placeholder must have a value. */
export function substitute(text: string, values: Readonly<Record<string, string>>, file: string): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${file}: no value for substitution \${${name}}`);
    return value;
  });
}

interface Machine {
  readonly arn: string;
  readonly name: string;
  readonly stateMachine: StateMachine;
  readonly handlers: Record<string, (input: Json) => Promise<Json>>;
  readonly syncStates: ReadonlySet<string>;
}

/**
 * Runs the real ASL files in-process: Lambda Tasks go to in-process handlers, a
 * `startExecution.sync:2` Task starts a child execution here and waits for it, as AWS does. Every
 * execution's history is counted the way AWS counts it, so the 25,000-event budget is measured.
 */
export class LocalStepFunctions {
  private readonly machines = new Map<string, Machine>();
  readonly executions: ExecutionRecord[] = [];
  lambdaInvocations = 0;
  /** Invocations per Lambda ARN. */
  readonly invocationsByFunction = new Map<string, number>();
  private sequence = 0;

  constructor(
    private readonly options: {
      readonly time: VirtualTime;
      /** Lambda ARN → handler. */
      readonly lambdas: ReadonlyMap<string, LambdaHandler>;
      readonly substitutions: Readonly<Record<string, string>>;
    },
  ) {}

  /** Loads an ASL file under the given state machine ARN. */
  load(file: string, arn: string): void {
    const text = substitute(readFileSync(file, 'utf8'), this.options.substitutions, file);
    const definition = JSON.parse(text) as Definition;
    const issues = errorMatcherIssues(definition);
    if (issues.length > 0) throw new InvalidInputError(`state machine ${file}`, issues);
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    const syncStates = new Set<string>();
    walkStates(definition, (stateName, state) => {
      if (state.Type !== 'Task' || !state.Resource) return;
      if (state.Resource === SYNC_CHILD) {
        syncStates.add(stateName);
        handlers[stateName] = (input) => this.runChild(input);
        return;
      }
      const lambda = this.options.lambdas.get(state.Resource);
      if (!lambda)
        throw new Error(`${file}: state ${stateName} calls ${state.Resource}, which has no local handler`);
      const arn = state.Resource;
      handlers[stateName] = (input) => {
        this.invocationsByFunction.set(arn, (this.invocationsByFunction.get(arn) ?? 0) + 1);
        return this.invokeLambda(lambda, input);
      };
    });
    const stateMachine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    this.machines.set(arn, { arn, name: arn.split(':').pop() ?? arn, stateMachine, handlers, syncStates });
  }

  private async invokeLambda(handler: LambdaHandler, input: Json): Promise<Json> {
    this.lambdaInvocations++;
    const payload = withinPayloadLimit('input', input);
    this.options.time.elapse(LAMBDA_INVOCATION_MS);
    const result = await this.options.time.track(() => handler(JSON.parse(payload)));
    return JSON.parse(withinPayloadLimit('result', result === undefined ? null : result)) as Json;
  }

  /**
   * A `startExecution.sync:2` Task: runs the child and returns what DescribeExecution says of it,
   * with `Input` and `Output` as JSON rather than strings (the `:2` of the resource). A failed
   * child fails the Task with States.TaskFailed and that description as the cause.
   */
  private async runChild(input: Json): Promise<Json> {
    const params = input as { StateMachineArn?: string; Name?: string; Input?: Json };
    if (!params.StateMachineArn) throw new Error('startExecution.sync:2 needs StateMachineArn');
    const child = this.startExecution(params.StateMachineArn, params.Input ?? {}, params.Name);
    await child.done;
    const description = describeExecution(child.record);
    if (child.record.status === 'SUCCEEDED') return description;
    const error = new Error(JSON.stringify(description));
    error.name = 'States.TaskFailed';
    throw error;
  }

  /** Starts an execution; `done` settles when it ends (it never rejects). */
  startExecution(
    machineArn: string,
    input: unknown,
    name?: string,
  ): { arn: string; name: string; record: ExecutionRecord; done: Promise<ExecutionOutcome> } {
    const machine = this.machines.get(machineArn);
    if (!machine) throw new Error(`no state machine ${machineArn}`);
    const executionName = name ?? `exec-${String(++this.sequence).padStart(6, '0')}`;
    const arn = `${machineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    const record: ExecutionRecord = {
      arn,
      machine: machine.name,
      name: executionName,
      stateMachineArn: machineArn,
      input,
      startDateMs: this.options.time.nowMs(),
      historyEvents: 0,
      stateTransitions: 0,
      status: 'RUNNING',
    };
    this.executions.push(record);
    this.options.time.touch();
    const startTime = new Date(record.startDateMs).toISOString();
    const run = machine.stateMachine.run(input as Json, {
      overrides: { taskResourceLocalHandlers: machine.handlers },
      context: {
        Execution: {
          Id: arn,
          Name: executionName,
          StartTime: startTime,
          Input: input as Json,
          RoleArn: 'arn:aws:iam::000000000000:role/local',
        },
        StateMachine: { Id: machineArn, Name: machine.name },
      } as never,
    });
    const counting = (async () => {
      for await (const event of run.eventLogs) {
        this.options.time.touch();
        record.historyEvents += awsHistoryEvents(event, machine.syncStates);
        if (event.type === 'StateEntered') record.stateTransitions++;
      }
    })();
    const done = run.result.then(
      async (output): Promise<ExecutionOutcome> => {
        await counting;
        record.stopDateMs = this.options.time.nowMs();
        record.status = 'SUCCEEDED';
        record.output = output;
        return { status: 'SUCCEEDED', output };
      },
      async (error: unknown): Promise<ExecutionOutcome> => {
        await counting.catch(() => {});
        const inner = (error as { cause?: { name?: string; message?: string } }).cause;
        record.stopDateMs = this.options.time.nowMs();
        record.status = 'FAILED';
        record.error = inner?.name ?? (error as Error).name;
        record.cause = inner?.message ?? (error as Error).message;
        return { status: 'FAILED', error: record.error, cause: record.cause };
      },
    );
    return { arn, name: executionName, record, done };
  }
}

/**
 * An ended execution as DescribeExecution describes it, in the shape a `startExecution.sync:2`
 * Task returns (Step Functions developer guide, connect-stepfunctions; API reference,
 * DescribeExecution "Response Syntax"): dates in epoch milliseconds, `Input` and `Output` as JSON.
 */
function describeExecution(record: ExecutionRecord): Json {
  return {
    ExecutionArn: record.arn,
    StateMachineArn: record.stateMachineArn,
    Name: record.name,
    Status: record.status,
    StartDate: record.startDateMs,
    StopDate: record.stopDateMs ?? null,
    Input: record.input as Json,
    InputDetails: { Included: true },
    ...(record.status === 'SUCCEEDED'
      ? { Output: (record.output ?? null) as Json, OutputDetails: { Included: true } }
      : { Error: record.error ?? '', Cause: record.cause ?? '' }),
  };
}

/**
 * Serialises a Lambda's input or result; above Step Functions' payload limit it fails with
 * States.DataLimitExceeded, which no `States.ALL` retrier or catcher matches, as on AWS.
 */
function withinPayloadLimit(what: 'input' | 'result', value: unknown): string {
  const payload = JSON.stringify(value);
  const bytes = Buffer.byteLength(payload);
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    const error = new Error(`Lambda ${what} of ${bytes} bytes exceeds the 256 KB payload limit`);
    error.name = 'States.DataLimitExceeded';
    throw error;
  }
  return payload;
}
