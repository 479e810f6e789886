import type { StepDeps } from '../../src/workflow/deps.js';
import { prepareBatch } from '../../src/workflow/prepare-target.js';
import { BatchInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Takes every target of a batch: alias locks, new versions published or resolved, serving versions recorded. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(BatchInput, 'PrepareTarget input', (input) => prepareBatch(deps(), input));

export const handler = createHandler(lambdaDeps);
