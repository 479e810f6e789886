import { checkHealth } from '../../src/workflow/check-health.js';
import type { StepDeps } from '../../src/workflow/deps.js';
import { CheckInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** The health check of a rolling step: every rollback and one-box alarm of the batch, read in batches. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(CheckInput, 'CheckAlarms input', (input) => checkHealth(deps(), input));

export const handler = createHandler(lambdaDeps);
