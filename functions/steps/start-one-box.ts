import type { StepDeps } from '../../src/workflow/deps.js';
import { applyStep } from '../../src/workflow/shift-weight.js';
import { ShiftInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Starts the one-box on a target: the first small share of traffic on the new version. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(ShiftInput, 'StartOneBox input', (input) => applyStep(deps(), input));

export const handler = createHandler(lambdaDeps);
