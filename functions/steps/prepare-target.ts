import { createPrepareTargetHandler } from '../../src/handlers/steps/prepare-target.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { alarmSource, type StepPorts, trafficRouter } from '../lib/aws-ports.js';

/** The target-account ports the step uses (router, alarms), as its catalog entry names them: its bundle holds only their SDK clients. */
export const ports: StepPorts = { router: trafficRouter, alarms: alarmSource };

/** The PrepareTarget Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createPrepareTargetHandler(lambdaDeps(ports));
