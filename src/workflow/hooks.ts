import { formatDuration } from '../core/duration.js';
import { DeploymentCancelledError, HookFailedError, RollbackStartedError } from '../core/errors.js';
import type { Hook, Target } from '../core/pipeline.js';
import { isoAt, isoNow } from '../ports/clock.js';
import type { HookAnswer, HookFunction, HookRequest } from '../ports/hooks.js';
import type { HookResult, TargetRecord } from '../ports/store.js';
import { loadWave, record, targetAt, type WaveContext } from './context.js';
import type { StepDeps } from './deps.js';
import { settleAll } from './parallel.js';
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
  let skipped = 0;
  if (input.targets) {
    const records = new Map(
      (await deps.store.getTargets(deployment.id, wave.index)).map((r) => [r.targetId, r]),
    );
    for (const index of input.targets) {
      const target = targetAt(wave, index);
      const progress = records.get(target.id);
      for (const hook of hooks) {
        if (progress?.hooks?.[hookKey(hook)]?.status === 'succeeded') skipped++;
        else runs.push({ hook, target, ...(progress ? { progress } : {}) });
      }
    }
  } else {
    const waveRecord = await deps.store.getWave(deployment.id, wave.index);
    for (const hook of hooks) {
      if (waveRecord?.hooks?.[hookKey(hook)]?.status === 'succeeded') skipped++;
      else runs.push({ hook });
    }
  }
  if (runs.length === 0) return { ran: 0, skipped };
  if (!deps.hooks) throw new Error('this control plane has no hook invoker, but the pipeline names hooks');

  const answers = await settleAll(runs, (run) => invokeOne(deps, ctx, run));
  await saveAnswers(deps, ctx, runs, answers);
  const failed = runs.flatMap((run, i) =>
    answers[i]!.status === 'failed' ? [{ run, answer: answers[i]! }] : [],
  );
  if (failed.length === 0) return { ran: runs.length, skipped };

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

/** Records every answer (on the target or wave record, and in the timeline) before deciding. */
async function saveAnswers(
  deps: StepDeps,
  ctx: WaveContext,
  runs: readonly Run[],
  answers: readonly HookAnswer[],
): Promise<void> {
  const { deployment, wave } = ctx;
  const now = isoNow(deps.clock);
  const resultOf = (answer: HookAnswer): HookResult => ({
    status: answer.status,
    ...(answer.reason ? { reason: answer.reason.slice(0, 1000) } : {}),
    at: now,
  });
  // One write per record, with all of its answers (parallel writes of one map would lose some).
  const byRecord = new Map<string, { target?: Target; results: Record<string, HookResult> }>();
  runs.forEach((run, i) => {
    const key = run.target?.id ?? '';
    const entry = byRecord.get(key) ?? {
      ...(run.target ? { target: run.target } : {}),
      results: { ...(run.target ? run.progress?.hooks : undefined) },
    };
    entry.results[hookKey(run.hook)] = resultOf(answers[i]!);
    byRecord.set(key, entry);
  });
  const waveRecord = byRecord.has('') ? await deps.store.getWave(deployment.id, wave.index) : undefined;
  await Promise.all(
    [...byRecord.values()].map(({ target, results }) =>
      target
        ? deps.store.updateTarget(deployment.id, wave.index, target.id, { hooks: results, updatedAt: now })
        : deps.store.updateWave(deployment.id, wave.index, { hooks: { ...waveRecord?.hooks, ...results } }),
    ),
  );
  await Promise.all(
    runs.map((run, i) => {
      const answer = answers[i]!;
      return record(deps, deployment.id, {
        key: `hook-${answer.status}:${wave.index}:${run.target?.id ?? '-'}:${hookKey(run.hook)}`,
        type: answer.status === 'succeeded' ? 'hook-succeeded' : 'hook-failed',
        wave: wave.index,
        ...(run.target ? { target: run.target.id } : {}),
        message: `hook ${run.hook.name} (${run.hook.at}) ${answer.status}${run.target ? ` for ${run.target.id}` : ` for wave ${wave.name}`}${answer.reason ? `: ${answer.reason}` : ''}`,
        data: { hook: run.hook.name, at: run.hook.at, status: answer.status },
      });
    }),
  );
}
