import { checkBatchStart } from '../../src/workflow/batch-start.js';
import type { StepDeps } from '../../src/workflow/deps.js';
import { BatchStartInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Whether a batch's targets may start: windows, blocker alarms (one read per region), manual blocks. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(BatchStartInput, 'CheckBatchStart input', (input) => checkBatchStart(deps(), input));

export const handler = createHandler(lambdaDeps);
