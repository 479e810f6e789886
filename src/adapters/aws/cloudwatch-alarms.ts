/*
 * AlarmSource on CloudWatch DescribeAlarms. DescribeAlarms is limited to about 9 TPS per account
 * and region and 100 names per call, so callers pass every alarm of a wave at once and this
 * adapter makes the fewest calls that cover them.
 */

import {
  type CompositeAlarm,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  type MetricAlarm,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmStateValue } from '../../core/alarm-state.js';
import type { AlarmReading, AlarmSource, Scope } from '../../ports/fleet.js';
import type { ClientProvider } from './clients.js';
import { withAwsErrors } from './errors.js';

/** DescribeAlarms accepts at most 100 entries in AlarmNames. */
export const ALARM_NAMES_PER_CALL = 100;

/**
 * Reads metric and composite alarm states with as few DescribeAlarms calls as the names allow:
 * duplicates removed, 100 names per call, every page followed.
 *
 * @example
 * ```ts
 * const alarms = new CloudWatchAlarmSource(new AwsClientProvider({ homeAccount: '111111111111' }));
 * const readings = await alarms.describeAlarms({ account: '111111111111', region: 'us-east-1' }, [
 *   'payments-errors',
 *   'payments-aggregate',
 * ]);
 * const firing = readings.filter((reading) => reading.state === 'ALARM');
 * ```
 */
export class CloudWatchAlarmSource implements AlarmSource {
  readonly #clients: ClientProvider;

  constructor(clients: ClientProvider) {
    this.#clients = clients;
  }

  async describeAlarms(scope: Scope, names: readonly string[]): Promise<AlarmReading[]> {
    const unique = [...new Set(names)];
    const readings: AlarmReading[] = [];
    for (let start = 0; start < unique.length; start += ALARM_NAMES_PER_CALL) {
      const chunk = unique.slice(start, start + ALARM_NAMES_PER_CALL);
      readings.push(...(await this.#describeChunk(scope, chunk)));
    }
    return readings;
  }

  async #describeChunk(scope: Scope, names: string[]): Promise<AlarmReading[]> {
    const context = {
      operation: 'DescribeAlarms',
      resource: names.length === 1 ? `alarm ${names[0]}` : `${names.length} alarms (${names[0]} ...)`,
      region: scope.region,
      account: scope.account,
    };
    const client = this.#clients.cloudWatch(scope);
    const readings: AlarmReading[] = [];
    let nextToken: string | undefined;
    do {
      const input: DescribeAlarmsCommandInput = {
        AlarmNames: names,
        // Without AlarmTypes DescribeAlarms returns metric alarms only, and the aggregate
        // alarm users give us is usually composite.
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        // The default page is 50; 100 lets a full chunk come back in one call.
        MaxRecords: ALARM_NAMES_PER_CALL,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      };
      const response = await withAwsErrors(context, () => client.send(new DescribeAlarmsCommand(input)));
      for (const alarm of response.MetricAlarms ?? []) {
        readings.push(toMetricReading(alarm));
      }
      for (const alarm of response.CompositeAlarms ?? []) {
        readings.push(toCompositeReading(alarm));
      }
      nextToken = response.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return readings;
  }
}

function toMetricReading(alarm: MetricAlarm): AlarmReading {
  return {
    name: alarm.AlarmName ?? '',
    kind: 'metric',
    state: toState(alarm.StateValue),
    reason: alarm.StateReason ?? '',
    updatedAtMs: alarm.StateUpdatedTimestamp?.getTime() ?? 0,
  };
}

function toCompositeReading(alarm: CompositeAlarm): AlarmReading {
  return {
    name: alarm.AlarmName ?? '',
    kind: 'composite',
    state: toState(alarm.StateValue),
    reason: alarm.StateReason ?? '',
    // On composite alarms StateUpdatedTimestamp moves on every re-evaluation, even without a
    // state change; StateTransitionedTimestamp is the last change, which is what the port means.
    updatedAtMs: (alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp)?.getTime() ?? 0,
  };
}

function toState(value: StateValue | undefined): AlarmStateValue {
  // A state we cannot read is not OK: no data is not good data.
  return value === 'OK' || value === 'ALARM' ? value : 'INSUFFICIENT_DATA';
}
