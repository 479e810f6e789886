import type { StepDeps } from '../../src/workflow/deps.js';
import { recordProgress } from '../../src/workflow/record-progress.js';
import { RecordProgressInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Records a milestone (wave bake started, wave succeeded, deployment succeeded). */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(RecordProgressInput, 'RecordProgress input', (input) => recordProgress(deps(), input));

export const handler = createHandler(lambdaDeps);
