import {
  CloudWatchClient,
  CloudWatchServiceException,
  DescribeAlarmsCommand,
} from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ClientProvider } from '../../../src/adapters/aws/clients.js';
import { CloudWatchAlarmSource } from '../../../src/adapters/aws/cloudwatch-alarms.js';
import { ThrottledError, TransientError } from '../../../src/core/errors.js';
import type { Scope } from '../../../src/ports/fleet.js';

const cloudWatchMock = mockClient(CloudWatchClient);
const scope: Scope = { account: '222222222222', region: 'eu-west-1' };
const ALARM_TYPES = ['MetricAlarm', 'CompositeAlarm'];

function buildSource() {
  const scopes: Scope[] = [];
  const cloudWatch = new CloudWatchClient({ region: scope.region });
  const clients: ClientProvider = {
    lambda: () => new LambdaClient({ region: scope.region }),
    cloudWatch: (asked) => {
      scopes.push(asked);
      return cloudWatch;
    },
  };
  return { source: new CloudWatchAlarmSource(clients), scopes };
}

function sentInputs() {
  return cloudWatchMock.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input);
}

describe('CloudWatchAlarmSource', () => {
  beforeEach(() => {
    cloudWatchMock.reset();
  });

  it('reads metric and composite alarms in one call and maps their state, reason and time', async () => {
    // Prepare
    const { source, scopes } = buildSource();
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'payments-errors',
          StateValue: 'ALARM',
          StateReason: 'Threshold Crossed: 3 datapoints were greater than 5',
          StateUpdatedTimestamp: new Date('2026-11-21T10:00:00.000Z'),
        },
      ],
      CompositeAlarms: [
        {
          AlarmName: 'payments-aggregate',
          StateValue: 'OK',
          StateReason: 'arn:...:payments-errors transitioned to OK',
          StateUpdatedTimestamp: new Date('2026-11-21T10:05:00.000Z'),
          StateTransitionedTimestamp: new Date('2026-11-21T09:00:00.000Z'),
        },
      ],
    });

    // Act
    const readings = await source.describeAlarms(scope, ['payments-errors', 'payments-aggregate']);

    // Assess
    expect(sentInputs()).toEqual([
      { AlarmNames: ['payments-errors', 'payments-aggregate'], AlarmTypes: ALARM_TYPES, MaxRecords: 100 },
    ]);
    expect(readings).toEqual([
      {
        name: 'payments-errors',
        kind: 'metric',
        state: 'ALARM',
        reason: 'Threshold Crossed: 3 datapoints were greater than 5',
        updatedAtMs: Date.parse('2026-11-21T10:00:00.000Z'),
      },
      {
        name: 'payments-aggregate',
        kind: 'composite',
        state: 'OK',
        reason: 'arn:...:payments-errors transitioned to OK',
        // The last state change, not the last re-evaluation.
        updatedAtMs: Date.parse('2026-11-21T09:00:00.000Z'),
      },
    ]);
    expect(scopes).toEqual([scope]);
  });

  it('reads 250 alarm names in three calls of 100, 100 and 50', async () => {
    // Prepare
    const { source } = buildSource();
    const names = Array.from({ length: 250 }, (_, index) => `alarm-${index}`);
    cloudWatchMock.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
      MetricAlarms: input.AlarmNames.map((name) => ({ AlarmName: name, StateValue: 'OK' })),
    }));

    // Act
    const readings = await source.describeAlarms(scope, names);

    // Assess
    expect(sentInputs()).toEqual([
      { AlarmNames: names.slice(0, 100), AlarmTypes: ALARM_TYPES, MaxRecords: 100 },
      { AlarmNames: names.slice(100, 200), AlarmTypes: ALARM_TYPES, MaxRecords: 100 },
      { AlarmNames: names.slice(200, 250), AlarmTypes: ALARM_TYPES, MaxRecords: 100 },
    ]);
    expect(readings.map((reading) => reading.name)).toEqual(names);
  });

  it('asks for each name once even when the caller repeats it', async () => {
    // Prepare
    const { source } = buildSource();
    cloudWatchMock
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'a', StateValue: 'OK' }] });

    // Act
    const readings = await source.describeAlarms(scope, ['a', 'b', 'a', 'b', 'a']);

    // Assess
    expect(cloudWatchMock).toHaveReceivedCommandExactlyOnceWith(DescribeAlarmsCommand, {
      AlarmNames: ['a', 'b'],
    });
    expect(readings).toHaveLength(1);
  });

  it('follows NextToken until the last page', async () => {
    // Prepare
    const { source } = buildSource();
    cloudWatchMock
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'a', StateValue: 'OK' }], NextToken: 'page-2' })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'b', StateValue: 'ALARM' }], NextToken: 'page-3' })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'c', StateValue: 'OK' }] });

    // Act
    const readings = await source.describeAlarms(scope, ['a', 'b', 'c']);

    // Assess
    expect(sentInputs()).toEqual([
      { AlarmNames: ['a', 'b', 'c'], AlarmTypes: ALARM_TYPES, MaxRecords: 100 },
      { AlarmNames: ['a', 'b', 'c'], AlarmTypes: ALARM_TYPES, MaxRecords: 100, NextToken: 'page-2' },
      { AlarmNames: ['a', 'b', 'c'], AlarmTypes: ALARM_TYPES, MaxRecords: 100, NextToken: 'page-3' },
    ]);
    expect(readings.map((reading) => [reading.name, reading.kind, reading.state])).toEqual([
      ['a', 'metric', 'OK'],
      ['b', 'composite', 'ALARM'],
      ['c', 'metric', 'OK'],
    ]);
  });

  it('leaves out names that do not exist', async () => {
    // Prepare
    const { source } = buildSource();
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });

    // Act
    const readings = await source.describeAlarms(scope, ['deleted-alarm']);

    // Assess
    expect(readings).toEqual([]);
  });

  it('makes no call for an empty list of names', async () => {
    // Prepare
    const { source } = buildSource();

    // Act
    const readings = await source.describeAlarms(scope, []);

    // Assess
    expect(readings).toEqual([]);
    expect(cloudWatchMock).not.toHaveReceivedAnyCommand();
  });

  it('reads an alarm without a state as INSUFFICIENT_DATA, never as OK', async () => {
    // Prepare
    const { source } = buildSource();
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'new-alarm', StateValue: 'INSUFFICIENT_DATA' }, { AlarmName: 'odd-alarm' }],
    });

    // Act
    const readings = await source.describeAlarms(scope, ['new-alarm', 'odd-alarm']);

    // Assess
    expect(readings.map((reading) => reading.state)).toEqual(['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA']);
    expect(readings[1]).toMatchObject({ reason: '', updatedAtMs: 0 });
  });

  it('turns CloudWatch throttling into a ThrottledError with the cause', async () => {
    // Prepare
    const { source } = buildSource();
    const throttled = new CloudWatchServiceException({
      name: 'Throttling',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Rate exceeded',
    });
    cloudWatchMock.on(DescribeAlarmsCommand).rejects(throttled);

    // Act
    const result = source.describeAlarms(scope, ['payments-errors']);

    // Assess
    await expect(result).rejects.toBeInstanceOf(ThrottledError);
    await expect(result).rejects.toMatchObject({
      cause: throttled,
      message: expect.stringMatching(/^DescribeAlarms alarm payments-errors in eu-west-1 .*was throttled/),
    });
  });

  it('turns a 503 into a TransientError', async () => {
    // Prepare
    const { source } = buildSource();
    cloudWatchMock.on(DescribeAlarmsCommand).rejects(
      new CloudWatchServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
        message: 'Service Unavailable',
      }),
    );

    // Act
    const result = source.describeAlarms(scope, ['a', 'b']);

    // Assess
    await expect(result).rejects.toBeInstanceOf(TransientError);
    await expect(result).rejects.toThrow(/DescribeAlarms 2 alarms \(a \.\.\.\) in eu-west-1/);
  });
});
