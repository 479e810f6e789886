import type { StepDeps } from '../../src/workflow/deps.js';
import { WaveInput } from '../../src/workflow/step-inputs.js';
import { checkWaveGate } from '../../src/workflow/wave-gate.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { alarmSource, type StepPorts } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/** Holds a wave before it starts while a blocker (alarm, window, manual, previous change) holds it. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(WaveInput, 'CheckWaveGate input', (input) => checkWaveGate(deps(), input));

/** The target-account ports the step uses (alarms): its bundle holds only their SDK clients. */
export const ports: StepPorts = { alarms: alarmSource };

export const handler = createHandler(lambdaDeps(ports));
