import { createWaitForBakeHandler } from '../../src/handlers/steps/wait-for-bake.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The WaitForBake Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createWaitForBakeHandler(lambdaDeps);
