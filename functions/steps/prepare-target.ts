import type { StepDeps } from '../../src/workflow/deps.js';
import { prepareBatch } from '../../src/workflow/prepare-target.js';
import { BatchInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { alarmSource, type StepPorts, trafficRouter } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/** Takes every target of a batch: alias locks, new versions published or resolved, serving versions recorded. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(BatchInput, 'PrepareTarget input', (input) => prepareBatch(deps(), input));

/** The target-account ports the step uses (router, alarms): its bundle holds only their SDK clients. */
export const ports: StepPorts = { router: trafficRouter, alarms: alarmSource };

export const handler = createHandler(lambdaDeps(ports));
