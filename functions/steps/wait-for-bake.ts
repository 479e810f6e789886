import { checkHealth } from '../../src/workflow/check-health.js';
import type { StepDeps } from '../../src/workflow/deps.js';
import { CheckInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { alarmSource, metricSource, type StepPorts } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/**
 * One poll of a bake (one-box or wave): duration AND minimum data points of the new version,
 * alarms watched throughout; INSUFFICIENT_DATA or short data keeps baking until a deadline.
 */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(CheckInput, 'WaitForBake input', (input) => checkHealth(deps(), input));

/** The target-account ports the step uses (alarms, metrics): its bundle holds only their SDK clients. */
export const ports: StepPorts = { alarms: alarmSource, metrics: metricSource };

export const handler = createHandler(lambdaDeps(ports));
