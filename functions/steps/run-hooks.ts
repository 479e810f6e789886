import type { StepDeps } from '../../src/workflow/deps.js';
import { runHooks } from '../../src/workflow/hooks.js';
import { RunHooksInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Invokes the wave's hooks at one moment, for a batch's targets or for the wave. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(RunHooksInput, 'RunHooks input', (input) => runHooks(deps(), input));

export const handler = createHandler(lambdaDeps);
