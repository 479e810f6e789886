import type { StepDeps } from '../../src/workflow/deps.js';
import { applyStepToBatch } from '../../src/workflow/shift-weight.js';
import { BatchShiftInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Shifts every target of a batch to the next rolling weight. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(BatchShiftInput, 'ShiftWeight input', (input) => applyStepToBatch(deps(), input));

export const handler = createHandler(lambdaDeps);
