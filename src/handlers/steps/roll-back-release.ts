import type { StepDeps } from '../../workflow/deps.js';
import { rollBackRelease } from '../../workflow/release-rollback.js';
import { RollBackReleaseInput } from '../../workflow/step-inputs.js';
import { stepHandler } from '../step-handler.js';

/** Takes back the due waves of a succeeded release; says whether it is done or how long to wait. */
export const createRollBackReleaseHandler = (deps: () => StepDeps) =>
  stepHandler(RollBackReleaseInput, 'RollBackRelease input', (input) => rollBackRelease(deps(), input));
