import type { StepDeps } from '../../src/workflow/deps.js';
import { runHooks } from '../../src/workflow/hooks.js';
import { RunHooksInput } from '../../src/workflow/step-inputs.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { hookInvoker, type StepPorts } from '../lib/aws-ports.js';
import { stepHandler } from '../lib/step-handler.js';

/** Invokes the wave's hooks at one moment, for a batch's targets or for the wave. */
export const createHandler = (deps: () => StepDeps) =>
  stepHandler(RunHooksInput, 'RunHooks input', (input) => runHooks(deps(), input));

/** The target-account ports the step uses (hooks): its bundle holds only their SDK clients. */
export const ports: StepPorts = { hooks: hookInvoker };

export const handler = createHandler(lambdaDeps(ports));
