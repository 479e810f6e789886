import type { StepDeps } from '../../workflow/deps.js';
import { WaveInput } from '../../workflow/step-inputs.js';
import { checkWaveGate } from '../../workflow/wave-gate.js';
import { stepHandler } from '../step-handler.js';

/** Holds a wave before it starts while a blocker (alarm, window, manual, previous change) holds it. */
export const createCheckWaveGateHandler = (deps: () => StepDeps) =>
  stepHandler(WaveInput, 'CheckWaveGate input', (input) => checkWaveGate(deps(), input));
