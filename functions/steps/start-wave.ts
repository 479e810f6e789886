import { createStartWaveHandler } from '../../src/handlers/steps/start-wave.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The StartWave Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createStartWaveHandler(lambdaDeps);
