import type { StepDeps } from '../../src/workflow/deps.js';
import { applyStep } from '../../src/workflow/shift-weight.js';
import { ShiftInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Shifts a target to the next rolling weight. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(ShiftInput, 'ShiftWeight input', (input) => applyStep(deps(), input));

export const handler = createHandler(lambdaDeps);
