import type { StepDeps } from '../../src/workflow/deps.js';
import { startDeployment } from '../../src/workflow/start-deployment.js';
import { StartDeploymentInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { stepHandler } from '../lib/step-handler.js';

/** Validates the execution input (pipeline + change) and creates the deployment record. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(StartDeploymentInput, 'StartDeployment input', (input) =>
    startDeployment(deps(), input.request, input.executionName),
  );

export const handler = createHandler(lambdaDeps);
