import type { StepDeps } from '../../workflow/deps.js';
import { startWave } from '../../workflow/start-wave.js';
import { WaveInput } from '../../workflow/step-inputs.js';
import { stepHandler } from '../step-handler.js';

/** Marks a wave as started and returns its batches and steps. */
export const createStartWaveHandler = (deps: () => StepDeps) =>
  stepHandler(WaveInput, 'StartWave input', (input) => startWave(deps(), input));
