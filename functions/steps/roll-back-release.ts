import { createRollBackReleaseHandler } from '../../src/handlers/steps/roll-back-release.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The RollBackRelease Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createRollBackReleaseHandler(lambdaDeps);
