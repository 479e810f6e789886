import type { StepDeps } from '../../src/workflow/deps.js';
import { rollBack } from '../../src/workflow/roll-back.js';
import { RollBackInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { type StepPorts, trafficRouter } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/** Rolls back a wave or a deployment: every target carrying the new version returns to the previous one. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(RollBackInput, 'RollBack input', (input) => rollBack(deps(), input));

/** The target-account ports the step uses (router): its bundle holds only their SDK clients. */
export const ports: StepPorts = { router: trafficRouter };

export const handler = createHandler(lambdaDeps(ports));
