import type { StepDeps } from '../../workflow/deps.js';
import { startDeployment } from '../../workflow/start-deployment.js';
import { StartDeploymentInput } from '../../workflow/step-inputs.js';
import { stepHandler } from '../step-handler.js';

/** Validates the execution input (pipeline + change) and creates the deployment record. */
export const createStartDeploymentHandler = (deps: () => StepDeps) =>
  stepHandler(StartDeploymentInput, 'StartDeployment input', (input) =>
    startDeployment(deps(), input.request, input.executionName),
  );
