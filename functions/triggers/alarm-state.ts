import { createAlarmStateHandler } from '../../src/handlers/alarm-state.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { alarmSource } from '../lib/aws-ports.js';

/** The alarm-state Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createAlarmStateHandler(lambdaDeps({ alarms: alarmSource }));
