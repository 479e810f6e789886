import { createStartDeploymentHandler } from '../../src/handlers/steps/start-deployment.js';
import { lambdaDeps } from '../lib/aws-deps.js';

/** The StartDeployment Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createStartDeploymentHandler(lambdaDeps);
