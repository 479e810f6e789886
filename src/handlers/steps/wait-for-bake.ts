import { checkHealth } from '../../workflow/check-health.js';
import type { StepDeps } from '../../workflow/deps.js';
import { CheckInput } from '../../workflow/step-inputs.js';
import { stepHandler } from '../step-handler.js';

/**
 * One poll of a bake (one-box or wave): duration AND minimum data points of the new version,
 * alarms watched throughout; INSUFFICIENT_DATA or short data keeps baking until a deadline.
 */
export const createWaitForBakeHandler = (deps: () => StepDeps) =>
  stepHandler(CheckInput, 'WaitForBake input', (input) => checkHealth(deps(), input));
