import { beforeAll, describe, expect, it } from 'vitest';
import {
  HOOK_LAMBDA_TIMEOUT_SECONDS,
  HOOK_TASK_TIMEOUT_SECONDS,
  HOOK_WAIT_SECONDS,
  IN_HANDLER_WAIT_SECONDS,
  STEP_LAMBDA_TIMEOUT_SECONDS,
  STEP_TASK_TIMEOUT_SECONDS,
} from '../../functions/lib/step-timeouts.js';
import type { BreakwaterControlPlane } from '../../infra/constructs/control-plane.js';
import { MAX_HOOK_TIMEOUT_SECONDS } from '../../src/core/pipeline.js';
import { STATE_MACHINES, STEP_FUNCTIONS } from '../../src/ports/step-catalog.js';
import { ALL_HANDLERS, buildControlPlane, logicalIdOf, render } from './helpers.js';

type State = { Type: string; Resource?: string; TimeoutSeconds?: number } & Record<string, unknown>;

/** Every Task invoking a Lambda (not a child state machine), nested ones included. */
function lambdaTasks(definition: { States: Record<string, State> }): [string, State][] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const nested = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, State> } | undefined;
    const own: [string, State][] =
      state.Type === 'Task' && !state.Resource?.startsWith('arn:aws:states:::') ? [[name, state]] : [];
    return [...own, ...(nested ? lambdaTasks(nested) : [])];
  });
}

describe('step timeouts in the synthesized control plane', () => {
  let template: ReturnType<typeof buildControlPlane>['template'];
  let stack: ReturnType<typeof buildControlPlane>['stack'];
  let plane: BreakwaterControlPlane;
  beforeAll(() => {
    ({ template, stack, plane } = buildControlPlane({ handlers: ALL_HANDLERS }));
  });

  it('keeps in-handler waits below the Lambda timeout, and that below the Task TimeoutSeconds', () => {
    expect(IN_HANDLER_WAIT_SECONDS).toBeLessThan(STEP_LAMBDA_TIMEOUT_SECONDS);
    expect(STEP_LAMBDA_TIMEOUT_SECONDS).toBeLessThan(STEP_TASK_TIMEOUT_SECONDS);
  });

  it('keeps the longest hook timeout below the hook Lambda timeout, and that below its Task TimeoutSeconds', () => {
    expect(MAX_HOOK_TIMEOUT_SECONDS).toBe(HOOK_WAIT_SECONDS);
    expect(HOOK_WAIT_SECONDS).toBeLessThan(HOOK_LAMBDA_TIMEOUT_SECONDS);
    expect(HOOK_LAMBDA_TIMEOUT_SECONDS).toBeLessThanOrEqual(900); // Lambda's maximum
    expect(HOOK_LAMBDA_TIMEOUT_SECONDS).toBeLessThan(HOOK_TASK_TIMEOUT_SECONDS);
  });

  it.each(STEP_FUNCTIONS.filter((s) => s.id !== 'RunHooks').map((s) => [s.id]))(
    'gives the %s step Lambda the shared step timeout',
    (id) => {
      const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, plane, `${id}Function`)];
      expect(fn!.Properties.Timeout).toBe(STEP_LAMBDA_TIMEOUT_SECONDS);
    },
  );

  it('gives the RunHooks step Lambda the hook timeout (it waits for the hooks to answer)', () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, plane, 'RunHooksFunction')];
    expect(fn!.Properties.Timeout).toBe(HOOK_LAMBDA_TIMEOUT_SECONDS);
  });

  it.each(STATE_MACHINES.map((m) => [m.id]))(
    'lets every Lambda Task of the %s machine wait longer than the Lambda may run',
    (id) => {
      const machine = template.findResources('AWS::StepFunctions::StateMachine')[
        logicalIdOf(stack, plane, `${id}StateMachine`)
      ];
      const definition = JSON.parse(render(machine!.Properties.DefinitionString));
      const tasks = lambdaTasks(definition);
      expect(tasks.length).toBeGreaterThan(0);
      for (const [name, task] of tasks) {
        const hooks = JSON.stringify(task.Resource ?? '').includes('RunHooks');
        expect({ name, timeout: task.TimeoutSeconds }).toEqual({
          name,
          timeout: hooks ? HOOK_TASK_TIMEOUT_SECONDS : STEP_TASK_TIMEOUT_SECONDS,
        });
      }
    },
  );
});
