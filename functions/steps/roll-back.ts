import type { StepDeps } from '../../src/workflow/deps.js';
import { rollBack } from '../../src/workflow/roll-back.js';
import { RollBackInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Rolls back a wave or a deployment: every target carrying the new version returns to the previous one. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(RollBackInput, 'RollBack input', (input) => rollBack(deps(), input));

export const handler = createHandler(lambdaDeps);
