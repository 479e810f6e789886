import type { StepDeps } from '../../workflow/deps.js';
import { runHooks } from '../../workflow/hooks.js';
import { RunHooksInput } from '../../workflow/step-inputs.js';
import { stepHandler } from '../step-handler.js';

/** Invokes the wave's hooks at one moment, for a batch's targets or for the wave. */
export const createRunHooksHandler = (deps: () => StepDeps) =>
  stepHandler(RunHooksInput, 'RunHooks input', (input) => runHooks(deps(), input));
