import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../../src/adapters/aws/eventbridge-publisher.js';
import { ThrottledError, TransientError } from '../../../src/core/errors.js';

const change = {
  deploymentId: 'd-1',
  pipeline: 'payments',
  status: 'wave-succeeded',
  waveIndex: 0,
  message: 'wave canary succeeded',
  at: '2026-11-23T10:00:00.000Z',
  key: 'wave-succeeded:0',
};

describe('EventBridgePublisher', () => {
  it('puts one Breakwater Deployment State Change event on the bus with the change as detail', async () => {
    const eb = mockClient(EventBridgeClient);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    await new EventBridgePublisher({
      client: new EventBridgeClient({}),
      busName: 'default',
      source: 'breakwater',
    }).publish(change);

    const input = eb.commandCalls(PutEventsCommand)[0]!.args[0].input;
    expect(input.Entries).toHaveLength(1);
    expect(input.Entries![0]).toMatchObject({
      EventBusName: 'default',
      Source: 'breakwater',
      DetailType: 'Breakwater Deployment State Change',
    });
    expect(JSON.parse(input.Entries![0]!.Detail!)).toEqual(change);
    expect(input.Entries![0]!.Time?.toISOString()).toBe(change.at);
  });

  it('fails retryably when EventBridge refuses the entry inside a 200 answer', async () => {
    const eb = mockClient(EventBridgeClient);
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    await expect(
      new EventBridgePublisher({
        client: new EventBridgeClient({}),
        busName: 'default',
        source: 'breakwater',
      }).publish(change),
    ).rejects.toThrow(TransientError);
  });

  it('turns throttling into ThrottledError', async () => {
    const eb = mockClient(EventBridgeClient);
    eb.on(PutEventsCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );

    await expect(
      new EventBridgePublisher({
        client: new EventBridgeClient({}),
        busName: 'default',
        source: 'breakwater',
      }).publish(change),
    ).rejects.toThrow(ThrottledError);
  });
});
