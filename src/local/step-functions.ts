import './polyfill.js';
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

import type { VirtualTime } from './virtual-time.js';

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
    const payload = JSON.stringify(input);
    if (Buffer.byteLength(payload) > PAYLOAD_LIMIT_BYTES) {
      throw Object.assign(new Error(`Lambda payload of ${Buffer.byteLength(payload)} bytes exceeds 256 KB`), {
        name: 'States.DataLimitExceeded',
      });
    }
    this.options.time.elapse(LAMBDA_INVOCATION_MS);
    const result = await this.options.time.track(() => handler(JSON.parse(payload)));
    return (result === undefined ? null : JSON.parse(JSON.stringify(result))) as Json;
  }

  private async runChild(input: Json): Promise<Json> {
    const params = input as { StateMachineArn?: string; Input?: Json };
    if (!params.StateMachineArn) throw new Error('startExecution.sync:2 needs StateMachineArn');
    const child = this.startExecution(params.StateMachineArn, params.Input ?? {});
    const outcome = await child.done;
    if (outcome.status === 'SUCCEEDED') {
      return { ExecutionArn: child.arn, Status: 'SUCCEEDED', Output: (outcome.output ?? null) as Json };
    }
    // AWS fails the parent Task with States.TaskFailed and the child's description as the cause.
    const error = new Error(
      JSON.stringify({
        ExecutionArn: child.arn,
        Status: 'FAILED',
        Error: outcome.error ?? '',
        Cause: outcome.cause ?? '',
      }),
    );
    error.name = 'States.TaskFailed';
    throw error;
  }

  /** Starts an execution; `done` settles when it ends (it never rejects). */
  startExecution(
    machineArn: string,
    input: unknown,
    name?: string,
  ): { arn: string; name: string; done: Promise<ExecutionOutcome> } {
    const machine = this.machines.get(machineArn);
    if (!machine) throw new Error(`no state machine ${machineArn}`);
    const executionName = name ?? `exec-${String(++this.sequence).padStart(6, '0')}`;
    const arn = `${machineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    const record: ExecutionRecord = {
      arn,
      machine: machine.name,
      name: executionName,
      historyEvents: 0,
      stateTransitions: 0,
      status: 'RUNNING',
    };
    this.executions.push(record);
    this.options.time.touch();
    const startTime = new Date(this.options.time.nowMs()).toISOString();
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
        record.status = 'SUCCEEDED';
        record.output = output;
        return { status: 'SUCCEEDED', output };
      },
      async (error: unknown): Promise<ExecutionOutcome> => {
        await counting.catch(() => {});
        const inner = (error as { cause?: { name?: string; message?: string } }).cause;
        record.status = 'FAILED';
        record.error = inner?.name ?? (error as Error).name;
        record.cause = inner?.message ?? (error as Error).message;
        return { status: 'FAILED', error: record.error, cause: record.cause };
      },
    );
    return { arn, name: executionName, done };
  }
}
