import type { StepDeps } from '../../src/workflow/deps.js';
import { startWave } from '../../src/workflow/start-wave.js';
import { WaveInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import type { StepPorts } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/** Marks a wave as started and returns its batches and steps. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(WaveInput, 'StartWave input', (input) => startWave(deps(), input));

/** The target-account ports the step uses (none): its bundle holds only their SDK clients. */
export const ports: StepPorts = {};

export const handler = createHandler(lambdaDeps(ports));
