import type { AlarmStateValue } from '../core/alarm-state.js';
import { isoAt } from './clock.js';

/*
 * CloudWatch's "Alarm State Change" event as EventBridge delivers it (AWS documents the shape in
 * the CloudWatch user guide, "Alarm events and EventBridge"), and the one event pattern that
 * sends it to Breakwater's alarm watcher. The CDK rule and the embedded event bus both use
 * ALARM_STATE_CHANGE_PATTERN, so what matches on AWS is what matches locally.
 */

/** The state block of an alarm state change (current or previous). */
export interface AlarmEventState {
  readonly value: AlarmStateValue;
  readonly reason: string;
  /** JSON text CloudWatch adds for metric alarms (evaluated datapoints); absent for composites. */
  readonly reasonData?: string;
  /** `2019-10-02T17:04:40.985+0000`: when the alarm entered this state. */
  readonly timestamp: string;
}

/** An EventBridge event of `detail-type` "CloudWatch Alarm State Change". */
export interface AlarmStateChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'CloudWatch Alarm State Change';
  readonly source: 'aws.cloudwatch';
  /** The account that owns the alarm. */
  readonly account: string;
  readonly time: string;
  /** The region the alarm lives in. */
  readonly region: string;
  /** The alarm's ARN. */
  readonly resources: readonly string[];
  readonly detail: {
    readonly alarmName: string;
    readonly state: AlarmEventState;
    readonly previousState: AlarmEventState;
    readonly configuration: Readonly<Record<string, unknown>>;
  };
}

/** The EventBridge rule pattern of the alarm watcher: alarms (metric or composite) entering ALARM. */
export const ALARM_STATE_CHANGE_PATTERN = {
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
  detail: { state: { value: ['ALARM'] } },
} as const;

/** CloudWatch's event timestamp format: `2019-10-02T17:04:40.985+0000`. */
export function alarmEventTimestamp(ms: number): string {
  return isoAt(ms).replace('Z', '+0000');
}

/** Parses an alarm event timestamp (`…+0000` or ISO 8601) to epoch ms; NaN when it is not one. */
export function parseAlarmEventTimestamp(text: string): number {
  return Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}
