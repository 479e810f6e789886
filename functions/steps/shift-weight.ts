import type { StepDeps } from '../../src/workflow/deps.js';
import { applyStepToBatch } from '../../src/workflow/shift-weight.js';
import { BatchShiftInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { type StepPorts, trafficRouter } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/** Shifts every target of a batch to the next rolling weight. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(BatchShiftInput, 'ShiftWeight input', (input) => applyStepToBatch(deps(), input));

/** The target-account ports the step uses (router): its bundle holds only their SDK clients. */
export const ports: StepPorts = { router: trafficRouter };

export const handler = createHandler(lambdaDeps(ports));
