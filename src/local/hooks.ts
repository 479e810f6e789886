import { formatDuration } from '../core/duration.js';
import type { HookAnswer, HookFunction, HookInvoker, HookRequest } from '../ports/hooks.js';
import { type FleetTarget, selectsTarget } from './fleet/types.js';
import type { ScenarioHook } from './scenario.js';

/** One invocation of a simulated hook, as the embedded engine saw it. */
export interface SimulatedHookCall {
  readonly hook: string;
  readonly at: HookRequest['at'];
  readonly target?: string;
  readonly function: string;
  readonly invokedAtMs: number;
  readonly answer: HookAnswer;
}

/**
 * Deployment hooks on the embedded engine: what each answers comes from the scenario's `hooks`
 * (the first entry matching the hook's name, moment and target; none: succeeded after 5 s), and
 * the answer takes its `after` of virtual time — longer than the hook's timeout, or "no-answer",
 * is a failure at the timeout, as on AWS.
 */
export class SimulatedHooks implements HookInvoker {
  readonly calls: SimulatedHookCall[] = [];

  constructor(
    private readonly rules: readonly ScenarioHook[],
    private readonly targets: readonly FleetTarget[],
    /** Waits virtual time as a remote call would (VirtualTime.awayFor). */
    private readonly wait: (ms: number) => Promise<void>,
    private readonly nowMs: () => number,
  ) {}

  async invoke(fn: HookFunction, request: HookRequest, timeoutMs: number): Promise<HookAnswer> {
    const invokedAtMs = this.nowMs();
    const target = request.target ? this.targets.find((t) => t.id === request.target!.id) : undefined;
    const rule = this.rules.find(
      (r) =>
        r.name === request.hook &&
        (r.at === undefined || r.at === request.at) &&
        (r.targets === undefined || (target !== undefined && selectsTarget(r.targets, target))),
    );
    const outcome = rule?.outcome ?? 'succeeded';
    const afterMs = (rule?.after ?? 5) * 1000;
    let answer: HookAnswer;
    if (outcome === 'no-answer' || afterMs > timeoutMs) {
      await this.wait(timeoutMs);
      answer = { status: 'failed', reason: `no answer within ${formatDuration(timeoutMs / 1000)}` };
    } else {
      await this.wait(afterMs);
      answer =
        outcome === 'failed'
          ? { status: 'failed', reason: rule?.reason ?? 'the hook answered failed (scenario)' }
          : { status: 'succeeded' };
    }
    this.calls.push({
      hook: request.hook,
      at: request.at,
      ...(request.target ? { target: request.target.id } : {}),
      function: `${fn.account}/${fn.region}/${fn.functionName}`,
      invokedAtMs,
      answer,
    });
    return answer;
  }
}
