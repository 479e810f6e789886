import { formatDuration } from '../core/duration.js';
import { DeploymentCancelledError, HookFailedError, RollbackStartedError } from '../core/errors.js';
import type { Hook, Target } from '../core/pipeline.js';
import { isoAt, isoNow } from '../ports/clock.js';
import type { HookAnswer, HookFunction, HookRequest } from '../ports/hooks.js';
import type { HookResult, TargetRecord } from '../ports/store.js';
import { loadWave, record, targetAt, type WaveContext } from './context.js';
import type { StepDeps } from './deps.js';
import { beginRollback } from './roll-back.js';
import type { RunHooksInputT } from './step-inputs.js';

/*
 * Deployment hooks, like CodeDeploy's BeforeAllowTraffic/AfterAllowTraffic: Lambda functions a
 * pipeline names at `beforeTraffic` (new version published, no traffic yet), `afterOneBox` (the
 * one-box has baked) and `afterTraffic` (the target at 100 %), per target or once per wave. Each
 * is invoked synchronously and answers {"status": "succeeded" | "failed", "reason"}; a failure,
 * a crash or no answer by its timeout rolls the deployment back like an alarm, naming the hook and
 * why. A hook that already succeeded is not invoked again when its step is retried, and no hook
 * runs once a rollback has begun.
 */

/** The key a hook's answer is recorded under, on its target or wave record. */
export const hookKey = (hook: Pick<Hook, 'at' | 'name'>) => `${hook.at}:${hook.name}`;

/** Where a hook function is: an ARN names its account and region, a plain name is the target's. */
export function hookFunction(
  hook: Pick<Hook, 'function'>,
  where: Pick<Target, 'account' | 'region'>,
): HookFunction {
  const arn = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:(.+)$/.exec(hook.function);
  if (arn) return { region: arn[1]!, account: arn[2]!, functionName: arn[3]! };
  return { functionName: hook.function, account: where.account, region: where.region };
}

interface Run {
  readonly hook: Hook;
  readonly target?: Target;
  readonly progress?: TargetRecord;
}

/**
 * Runs the wave's hooks at `input.at`: for each target of `input.targets` (target hooks) or, with
 * no targets, once for the wave (wave hooks). Throws {@link HookFailedError} after beginning the
 * rollback when any failed.
 */
export async function runHooks(
  deps: StepDeps,
  input: RunHooksInputT,
): Promise<{ ran: number; skipped: number }> {
  const ctx = await loadWave(deps, input.deploymentId, input.waveIndex);
  const { deployment, wave } = ctx;
  if (deployment.rollback) throw new RollbackStartedError(`rollback begun: ${deployment.rollback.reason}`);
  if (deployment.cancelRequest) {
    throw new DeploymentCancelledError(
      `stopped by ${deployment.cancelRequest.by}: ${deployment.cancelRequest.reason}`,
    );
  }
  const scope = input.targets ? 'target' : 'wave';
  const hooks = wave.hooks.filter((h) => h.at === input.at && h.scope === scope);
  const runs: Run[] = [];
  // An answer recorded before a retry is final: a succeeded hook is not invoked again, and a
  // failed one is not given a second chance (a flaky hook must not turn a failure into a pass).
  const recorded = new Map<Run, HookAnswer>();
  let skipped = 0;
  const remember = (run: Run, result: HookResult | undefined) => {
    if (result?.status === 'failed')
      recorded.set(run, { status: 'failed', reason: result.reason ?? 'failed' });
    runs.push(run);
  };
  if (input.targets) {
    const records = new Map(
      (await deps.store.getTargets(deployment.id, wave.index)).map((r) => [r.targetId, r]),
    );
    for (const index of input.targets) {
      const target = targetAt(wave, index);
      const progress = records.get(target.id);
      for (const hook of hooks) {
        const result = progress?.hooks?.[hookKey(hook)];
        if (result?.status !== 'succeeded')
          remember({ hook, target, ...(progress ? { progress } : {}) }, result);
        else skipped++;
      }
    }
  } else {
    const waveRecord = await deps.store.getWave(deployment.id, wave.index);
    for (const hook of hooks) {
      const result = waveRecord?.hooks?.[hookKey(hook)];
      if (result?.status !== 'succeeded') remember({ hook }, result);
      else skipped++;
    }
  }
  if (runs.length === 0) return { ran: 0, skipped };
  const toInvoke = runs.filter((run) => !recorded.has(run));
  if (toInvoke.length > 0 && !deps.hooks) {
    throw new Error(
      `wave ${wave.name} names ${input.at} hooks (${toInvoke.map((r) => r.hook.name).join(', ')}) but this control plane has no hook invoker`,
    );
  }

  // Every hook at once (the step lasts as long as the slowest, within its Lambda timeout), each
  // answer saved as it arrives: a step that fails later (a throttled invocation) keeps them.
  const saver = new AnswerSaver(deps, ctx);
  const settled = await Promise.allSettled(
    toInvoke.map(async (run) => {
      const answer = await invokeOne(deps, ctx, run);
      await saver.save(run, answer);
      return answer;
    }),
  );
  await saver.done();
  const answers = new Map(recorded);
  toInvoke.forEach((run, i) => {
    const outcome = settled[i]!;
    if (outcome.status === 'fulfilled') answers.set(run, outcome.value);
  });
  const failed = runs.flatMap((run) => {
    const answer = answers.get(run);
    return answer?.status === 'failed' ? [{ run, answer }] : [];
  });
  if (failed.length === 0) {
    const thrown = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (thrown) throw thrown.reason; // retried: the answers so far are kept
    return { ran: toInvoke.length, skipped };
  }

  const reason = failed
    .map(
      ({ run, answer }) =>
        `hook ${run.hook.name} (${run.hook.at}${run.target ? ` on ${run.target.id}` : `, wave ${wave.name}`}) failed: ${answer.reason}`,
    )
    .join('; ');
  await beginRollback(deps, deployment.id, { reason, triggeredBy: 'hook' });
  throw new HookFailedError(reason);
}

async function invokeOne(deps: StepDeps, ctx: WaveContext, run: Run): Promise<HookAnswer> {
  const { deployment, pipeline, wave } = ctx;
  const where = run.target ?? wave.targets[0]!;
  const timeoutMs = run.hook.timeout * 1000;
  const request: HookRequest = {
    hook: run.hook.name,
    at: run.hook.at,
    deploymentId: deployment.id,
    pipeline: pipeline.name,
    change: {
      id: deployment.change.id,
      ...(deployment.change.description ? { description: deployment.change.description } : {}),
    },
    wave: { index: wave.index, name: wave.name, stage: wave.stage },
    ...(run.target
      ? {
          target: {
            id: run.target.id,
            account: run.target.account,
            region: run.target.region,
            functionName: run.target.functionName,
            alias: run.target.alias,
            ...(run.target.cell ? { cell: run.target.cell } : {}),
          },
        }
      : {}),
    ...(run.progress?.previousVersion && run.progress.newVersion
      ? { versions: { previous: run.progress.previousVersion, new: run.progress.newVersion } }
      : {}),
    deadline: isoAt(deps.clock.nowMs() + timeoutMs),
  };
  await record(deps, deployment.id, {
    key: `hook-invoked:${wave.index}:${run.target?.id ?? '-'}:${hookKey(run.hook)}`,
    type: 'hook-invoked',
    wave: wave.index,
    ...(run.target ? { target: run.target.id } : {}),
    message: `hook ${run.hook.name} (${run.hook.at}) invoked${run.target ? ` for ${run.target.id}` : ` for wave ${wave.name}`}; it has ${formatDuration(run.hook.timeout)} to answer`,
  });
  return deps.hooks!.invoke(hookFunction(run.hook, where), request, timeoutMs);
}

/**
 * Records each answer as it arrives, on its target (or wave) record and in the timeline. Writes to
 * one record are chained, each with every answer of that record so far, so parallel answers for
 * one target never overwrite each other.
 */
class AnswerSaver {
  private readonly results = new Map<string, Record<string, HookResult>>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: StepDeps,
    private readonly ctx: WaveContext,
  ) {}

  async save(run: Run, answer: HookAnswer): Promise<void> {
    const { deps } = this;
    const { deployment, wave } = this.ctx;
    const now = isoNow(deps.clock);
    const key = run.target?.id ?? '';
    const results = this.results.get(key) ?? { ...(run.target ? run.progress?.hooks : undefined) };
    results[hookKey(run.hook)] = {
      status: answer.status,
      ...(answer.reason ? { reason: answer.reason.slice(0, 1000) } : {}),
      at: now,
    };
    this.results.set(key, results);
    const write = async () => {
      if (run.target) {
        await deps.store.updateTarget(deployment.id, wave.index, run.target.id, {
          hooks: { ...results },
          updatedAt: now,
        });
      } else {
        const waveRecord = await deps.store.getWave(deployment.id, wave.index);
        await deps.store.updateWave(deployment.id, wave.index, {
          hooks: { ...waveRecord?.hooks, ...results },
        });
      }
    };
    const chain = (this.chains.get(key) ?? Promise.resolve()).then(write);
    this.chains.set(
      key,
      chain.catch(() => {}),
    );
    await chain;
    await record(deps, deployment.id, {
      key: `hook-${answer.status}:${wave.index}:${run.target?.id ?? '-'}:${hookKey(run.hook)}`,
      type: answer.status === 'succeeded' ? 'hook-succeeded' : 'hook-failed',
      wave: wave.index,
      ...(run.target ? { target: run.target.id } : {}),
      message: `hook ${run.hook.name} (${run.hook.at}) ${answer.status}${run.target ? ` for ${run.target.id}` : ` for wave ${wave.name}`}${answer.reason ? `: ${answer.reason}` : ''}`,
      data: { hook: run.hook.name, at: run.hook.at, status: answer.status },
    });
  }

  async done(): Promise<void> {
    await Promise.all(this.chains.values());
  }
}
