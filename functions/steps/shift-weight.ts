import { createShiftWeightHandler } from '../../src/handlers/steps/shift-weight.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The ShiftWeight Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createShiftWeightHandler(lambdaDeps);
