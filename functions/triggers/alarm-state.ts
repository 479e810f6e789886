import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { parseAlarmEventTimestamp } from '../../src/ports/alarm-events.js';
import { type AlarmWatchOutcome, handleAlarmAlert } from '../../src/workflow/alarm-watch.js';
import type { StepDeps } from '../../src/workflow/deps.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { alarmSource } from '../lib/aws-ports.js';
import { observe } from '../lib/observability.js';
import { parseEvent } from '../lib/step-handler.js';

/*
 * EventBridge target for "CloudWatch Alarm State Change" (rule pattern: ALARM_STATE_CHANGE_PATTERN,
 * metric and composite alarms, from every target account and region). Rolls back every deployment
 * watching the alarm. A failure throws: Lambda retries the asynchronous invocation twice, then
 * sends it to the dead-letter queue (an alarm fires on its first message); the workflow's safety
 * poll still rolls back. A duplicate or late event is harmless (see handleAlarmAlert).
 */

const State = z.object({
  value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  reason: z.optional(z.string()),
  timestamp: z.string().check(z.minLength(1)),
});

export const AlarmStateChangeInput = z.object({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string().check(z.regex(/^\d{12}$/)),
  region: z.string().check(z.minLength(1)),
  time: z.string(),
  detail: z.object({ alarmName: z.string().check(z.minLength(1)), state: State }),
});
type AlarmStateChangeInputT = z.output<typeof AlarmStateChangeInput>;

export type AlarmStateResult = AlarmWatchOutcome | { readonly ignored: string };

/**
 * @example
 * const handle = createAlarmStateHandler(() => deps);
 * await handle(eventBridgeEvent, context); // { rolledBack: ['d-42'], ignored: [] }
 */
export function createAlarmStateHandler(
  deps: () => StepDeps,
): MiddyfiedHandler<unknown, AlarmStateResult, Error, Context> {
  return middy<unknown, AlarmStateResult, Error, Context>()
    .use(observe())
    .use(parseEvent(AlarmStateChangeInput, 'alarm state change event'))
    .handler(async (raw) => {
      const event = raw as AlarmStateChangeInputT;
      const { alarmName, state } = event.detail;
      if (state.value !== 'ALARM') return { ignored: `alarm ${alarmName} went to ${state.value}, not ALARM` };
      const enteredAtMs = parseAlarmEventTimestamp(state.timestamp);
      const result = await handleAlarmAlert(deps(), {
        alarmName,
        account: event.account,
        region: event.region,
        reason: state.reason ?? 'no reason given',
        // An unreadable timestamp cannot make the event stale: treat it as entering ALARM now.
        enteredAtMs: Number.isFinite(enteredAtMs) ? enteredAtMs : deps().clock.nowMs(),
        eventId: event.id,
      });
      deps().log.info('alarm state change handled', { alarmName, ...result });
      return result;
    });
}

/** The Lambda entry point. */
export const handler = createAlarmStateHandler(lambdaDeps({ alarms: alarmSource }));
