import type { StepDeps } from '../../workflow/deps.js';
import { prepareBatch } from '../../workflow/prepare-target.js';
import { BatchInput } from '../../workflow/step-inputs.js';
import { stepHandler } from '../step-handler.js';

/** Takes every target of a batch: alias locks, new versions published or resolved, serving versions recorded. */
export const createPrepareTargetHandler = (deps: () => StepDeps) =>
  stepHandler(BatchInput, 'PrepareTarget input', (input) => prepareBatch(deps(), input));
