import type { StepDeps } from '../../src/workflow/deps.js';
import { WaveInput } from '../../src/workflow/step-inputs.js';
import { checkWaveGate } from '../../src/workflow/wave-gate.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Holds a wave before it starts while a blocker (alarm, window, manual, previous change) holds it. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(WaveInput, 'CheckWaveGate input', (input) => checkWaveGate(deps(), input));

export const handler = createHandler(lambdaDeps);
