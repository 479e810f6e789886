import { createRunHooksHandler } from '../../src/handlers/steps/run-hooks.js';
import { lambdaDeps } from '../lib/aws-deps.js';
import { hookInvoker, type StepPorts } from '../lib/aws-ports.js';

/** The target-account ports the step uses (hooks), as its catalog entry names them: its bundle holds only their SDK clients. */
export const ports: StepPorts = { hooks: hookInvoker };

/** The RunHooks Lambda. Its dependencies are built on the first invocation (functions/lib/aws-deps.ts). */
export const handler = createRunHooksHandler(lambdaDeps(ports));
