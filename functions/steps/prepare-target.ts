import type { StepDeps } from '../../src/workflow/deps.js';
import { prepareTarget } from '../../src/workflow/prepare-target.js';
import { TargetInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Takes a target's lock, resolves or publishes its new version, records the serving version. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(TargetInput, 'PrepareTarget input', (input) => prepareTarget(deps(), input));

export const handler = createHandler(lambdaDeps);
