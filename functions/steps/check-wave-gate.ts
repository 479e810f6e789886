import { createCheckWaveGateHandler } from '../../src/handlers/steps/check-wave-gate.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The CheckWaveGate Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createCheckWaveGateHandler(lambdaDeps);
