import type { StepDeps } from '../../workflow/deps.js';
import { rollBack } from '../../workflow/roll-back.js';
import { RollBackInput } from '../../workflow/step-inputs.js';
import { stepHandler } from '../step-handler.js';

/** Rolls back a wave or a deployment: every target carrying the new version returns to the previous one. */
export const createRollBackHandler = (deps: () => StepDeps) =>
  stepHandler(RollBackInput, 'RollBack input', (input) => rollBack(deps(), input));
