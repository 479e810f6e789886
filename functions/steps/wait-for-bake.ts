import { createWaitForBakeHandler } from '../../src/handlers/steps/wait-for-bake.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { alarmSource, metricSource, type StepPorts } from '../lib/aws-ports.js';

/** The target-account ports the step uses (alarms, metrics), as its catalog entry names them: its bundle holds only their SDK clients. */
export const ports: StepPorts = { alarms: alarmSource, metrics: metricSource };

/** The WaitForBake Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createWaitForBakeHandler(lambdaDeps(ports));
