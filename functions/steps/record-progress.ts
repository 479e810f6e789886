import type { StepDeps } from '../../src/workflow/deps.js';
import { recordProgress } from '../../src/workflow/record-progress.js';
import { RecordProgressInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import type { StepPorts } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/** Records a milestone (wave bake started, wave succeeded, deployment succeeded). */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(RecordProgressInput, 'RecordProgress input', (input) => recordProgress(deps(), input));

/** The target-account ports the step uses (none): its bundle holds only their SDK clients. */
export const ports: StepPorts = {};

export const handler = createHandler(lambdaDeps(ports));
