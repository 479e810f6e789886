import type { StepDeps } from '../../workflow/deps.js';
import { applyStepToBatch } from '../../workflow/shift-weight.js';
import { BatchShiftInput } from '../../workflow/step-inputs.js';
import { stepHandler } from '../step-handler.js';

/** Shifts every target of a batch to the next rolling weight. */
export const createShiftWeightHandler = (deps: () => StepDeps) =>
  stepHandler(BatchShiftInput, 'ShiftWeight input', (input) => applyStepToBatch(deps(), input));
