import { createCheckWaveGateHandler } from '../../src/handlers/steps/check-wave-gate.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { alarmSource, type StepPorts } from '../lib/aws-ports.js';

/** The target-account ports the step uses (alarms), as its catalog entry names them: its bundle holds only their SDK clients. */
export const ports: StepPorts = { alarms: alarmSource };

/** The CheckWaveGate Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createCheckWaveGateHandler(lambdaDeps(ports));
