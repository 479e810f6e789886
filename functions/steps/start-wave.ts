import type { StepDeps } from '../../src/workflow/deps.js';
import { startWave } from '../../src/workflow/start-wave.js';
import { WaveInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Marks a wave as started and returns its batches and steps. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(WaveInput, 'StartWave input', (input) => startWave(deps(), input));

export const handler = createHandler(lambdaDeps);
