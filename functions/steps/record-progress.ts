import { createRecordProgressHandler } from '../../src/handlers/steps/record-progress.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The RecordProgress Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createRecordProgressHandler(lambdaDeps);
