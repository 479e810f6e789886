import type { StepDeps } from '../../workflow/deps.js';
import { recordProgress } from '../../workflow/record-progress.js';
import { RecordProgressInput } from '../../workflow/step-inputs.js';
import { stepHandler } from '../step-handler.js';

/** Records a milestone (wave bake started, wave succeeded, deployment succeeded). */
export const createRecordProgressHandler = (deps: () => StepDeps) =>
  stepHandler(RecordProgressInput, 'RecordProgress input', (input) => recordProgress(deps(), input));
