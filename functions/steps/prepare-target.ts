import { createPrepareTargetHandler } from '../../src/handlers/steps/prepare-target.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The PrepareTarget Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createPrepareTargetHandler(lambdaDeps);
