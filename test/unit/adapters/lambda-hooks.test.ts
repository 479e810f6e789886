import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientProvider } from '../../../src/adapters/aws/clients.js';
import { LambdaHookInvoker, parseAnswer } from '../../../src/adapters/aws/lambda-hooks.js';
import { ThrottledError } from '../../../src/core/errors.js';
import type { Scope } from '../../../src/ports/fleet.js';
import type { HookRequest } from '../../../src/ports/hooks.js';

const lambdaMock = mockClient(LambdaClient);
afterEach(() => lambdaMock.reset());

const FN = { functionName: 'smoke-test', account: '222222222222', region: 'eu-west-1' };
const REQUEST: HookRequest = {
  hook: 'smoke',
  at: 'beforeTraffic',
  deploymentId: 'd1',
  pipeline: 'orders',
  change: { id: 'abc123' },
  wave: { index: 0, name: 'canary', stage: 'production' },
  target: { id: 'euw1', account: FN.account, region: FN.region, functionName: 'orders', alias: 'live' },
  versions: { previous: '7', new: '8' },
  deadline: '2026-12-02T10:05:00.000Z',
};
// The SDK types Payload as its blob adapter; the mock takes the bytes as they come off the wire.
const bytes = (text: string) => new TextEncoder().encode(text) as never;

function invoker() {
  const scopes: Scope[] = [];
  const clients: ClientProvider = {
    lambda: (scope) => {
      scopes.push(scope);
      return new LambdaClient({ region: scope.region });
    },
    cloudWatch: (scope) => new CloudWatchClient({ region: scope.region }),
  };
  return { hooks: new LambdaHookInvoker(clients), scopes };
}

describe('LambdaHookInvoker', () => {
  it('invokes the hook synchronously in its account and region with the request as the event', async () => {
    // Arrange
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes('{"status":"succeeded"}') });
    const { hooks, scopes } = invoker();

    // Act
    const answer = await hooks.invoke(FN, REQUEST, 60_000);

    // Assess
    expect(answer).toEqual({ status: 'succeeded' });
    expect(scopes).toEqual([{ account: FN.account, region: FN.region }]);
    const sent = lambdaMock.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({ FunctionName: 'smoke-test', InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(sent.Payload as Uint8Array))).toEqual(REQUEST);
  });

  it('answers failed with the error when the hook function threw', async () => {
    // Arrange
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: bytes('{"errorType":"Error","errorMessage":"db unreachable"}'),
    });

    // Act
    const answer = await invoker().hooks.invoke(FN, REQUEST, 60_000);

    // Assess
    expect(answer).toEqual({ status: 'failed', reason: 'the hook function failed: Error: db unreachable' });
  });

  it('answers failed when the hook does not answer within its timeout', async () => {
    // Arrange: Invoke hangs until aborted
    lambdaMock.on(InvokeCommand).callsFake(
      (_input, getClient) =>
        new Promise((_resolve, reject) => {
          void getClient;
          setTimeout(() => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), 200);
        }),
    );

    // Act
    const answer = await invoker().hooks.invoke(FN, REQUEST, 20);

    // Assess
    expect(answer).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^no answer within/) });
  });

  it('throws throttling so the step is retried, rather than failing the hook', async () => {
    // Arrange
    lambdaMock
      .on(InvokeCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));

    // Act
    const act = invoker().hooks.invoke(FN, REQUEST, 60_000);

    // Assess
    await expect(act).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('LambdaHookInvoker, errors no retry cures', () => {
  it('answers failed, naming the function, when the hook function does not exist', async () => {
    // Arrange
    lambdaMock
      .on(InvokeCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found: smoke-test', $metadata: {} }));

    // Act
    const answer = await invoker().hooks.invoke(FN, REQUEST, 60_000);

    // Assess
    expect(answer).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^could not invoke smoke-test in eu-west-1\/222222222222: .*not found/i),
    });
  });
});

describe('parseAnswer', () => {
  it.each([
    ['{"status":"succeeded"}', { status: 'succeeded' }],
    ['{"status":"succeeded","reason":"42 checks"}', { status: 'succeeded', reason: '42 checks' }],
    ['{"status":"failed","reason":"3 of 40 failed"}', { status: 'failed', reason: '3 of 40 failed' }],
    ['{"status":"failed"}', { status: 'failed', reason: 'no reason given' }],
  ])('reads %s', (payload, expected) => {
    expect(parseAnswer(payload)).toEqual(expected);
  });

  it.each([
    ['null', /answered "null"; expected \{"status"/],
    ['{"status":"ok"}', /expected \{"status": "succeeded" \| "failed"/],
    ['not json', /answered "not json", not JSON/],
    ['', /not JSON/],
  ])('fails %j, saying what came back', (payload, reason) => {
    expect(parseAnswer(payload)).toMatchObject({ status: 'failed', reason: expect.stringMatching(reason) });
  });
});
