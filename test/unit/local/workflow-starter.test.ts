import { describe, expect, it } from 'vitest';
import type { ExecutionOutcome, LocalStepFunctions } from '../../../src/local/step-functions.js';
import { LocalWorkflowStarter } from '../../../src/local/workflow-starter.js';

/** A Step Functions stand-in whose executions end when the test says so. */
function fakeStepFunctions() {
  const started: { machine: string; input: unknown; name: string; end: (o: ExecutionOutcome) => void }[] = [];
  const stepFunctions = {
    startExecution(machine: string, input: unknown, name: string) {
      let end!: (o: ExecutionOutcome) => void;
      const done = new Promise<ExecutionOutcome>((resolve) => {
        end = resolve;
      });
      started.push({ machine, input, name, end });
      return { arn: `${machine.replace(':stateMachine:', ':execution:')}:${name}`, done };
    },
  } as unknown as LocalStepFunctions;
  return { stepFunctions, started };
}

const RELEASE_ROLLBACK = 'arn:aws:states:us-east-1:000000000000:stateMachine:breakwater-ReleaseRollback';

describe('LocalWorkflowStarter.startReleaseRollback', () => {
  it('sets the clock going, returns the running execution when asked again, and restarts one that ended', async () => {
    const { stepFunctions, started } = fakeStepFunctions();
    let clockStarts = 0;
    const starter = new LocalWorkflowStarter({
      stepFunctions,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:breakwater-Deployment',
      releaseRollbackArn: RELEASE_ROLLBACK,
      beforeReleaseRollback: () => clockStarts++,
    });

    const first = await starter.startReleaseRollback({ deploymentId: 'd1' });
    const again = await starter.startReleaseRollback({ deploymentId: 'd1' });

    expect(again).toEqual(first);
    expect(started.map((s) => [s.name, s.input])).toEqual([['d1', { deploymentId: 'd1' }]]);
    expect(clockStarts).toBe(1);

    // WHEN that execution ends before the rollback did (it failed), asking again restarts it
    started[0]!.end({ status: 'FAILED' } as ExecutionOutcome);
    await new Promise((resolve) => setImmediate(resolve));
    const restarted = await starter.startReleaseRollback({ deploymentId: 'd1' });

    expect(restarted.executionArn).toMatch(/:breakwater-ReleaseRollback:d1-2$/);
    expect(started.map((s) => s.name)).toEqual(['d1', 'd1-2']);
  });
});
