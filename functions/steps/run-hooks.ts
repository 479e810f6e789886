import { createRunHooksHandler } from '../../src/handlers/steps/run-hooks.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The RunHooks Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createRunHooksHandler(lambdaDeps);
