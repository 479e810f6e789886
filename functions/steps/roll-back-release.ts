import type { StepDeps } from '../../src/workflow/deps.js';
import { rollBackRelease } from '../../src/workflow/release-rollback.js';
import { RollBackReleaseInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { type StepPorts, trafficRouter } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/** Takes back the due waves of a succeeded release; says whether it is done or how long to wait. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(RollBackReleaseInput, 'RollBackRelease input', (input) => rollBackRelease(deps(), input));

/** The target-account ports the step uses (router): its bundle holds only their SDK clients. */
export const ports: StepPorts = { router: trafficRouter };

export const handler = createHandler(lambdaDeps(ports));
