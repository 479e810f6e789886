import type { StepDeps } from '../../src/workflow/deps.js';
import { startDeployment } from '../../src/workflow/start-deployment.js';
import { StartDeploymentInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import type { StepPorts } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/** Validates the execution input (pipeline + change) and creates the deployment record. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(StartDeploymentInput, 'StartDeployment input', (input) =>
    startDeployment(deps(), input.request, input.executionName),
  );

/** The target-account ports the step uses (none): its bundle holds only their SDK clients. */
export const ports: StepPorts = {};

export const handler = createHandler(lambdaDeps(ports));
