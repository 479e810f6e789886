import { createRollBackHandler } from '../../src/handlers/steps/roll-back.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The RollBack Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createRollBackHandler(lambdaDeps);
