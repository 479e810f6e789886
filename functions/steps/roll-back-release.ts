import { createRollBackReleaseHandler } from '../../src/handlers/steps/roll-back-release.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { type StepPorts, trafficRouter } from '../lib/aws-ports.js';

/** The target-account ports the step uses (router), as its catalog entry names them: its bundle holds only their SDK clients. */
export const ports: StepPorts = { router: trafficRouter };

/** The RollBackRelease Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createRollBackReleaseHandler(lambdaDeps(ports));
