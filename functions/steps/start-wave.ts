import { createStartWaveHandler } from '../../src/handlers/steps/start-wave.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import type { StepPorts } from '../lib/aws-ports.js';

/** The target-account ports the step uses (none), as its catalog entry names them: its bundle holds only their SDK clients. */
export const ports: StepPorts = {};

/** The StartWave Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createStartWaveHandler(lambdaDeps(ports));
