import { type AlarmObservation, assessBake, type BakeAssessment } from '../core/bake.js';
import { activeExpedite, expediteBake } from '../core/expedite.js';
import type { ResolvedWave, Target } from '../core/pipeline.js';
import { expandAlarmName } from '../core/targets.js';
import { isoAt } from '../ports/clock.js';
import type { InvocationQuery, Scope } from '../ports/fleet.js';
import type { BakeProgress, TargetRecord } from '../ports/store.js';
import { recordAlarmStates } from './alarm-states.js';
import { analyseBatch, analysisLooks, analysisWindowStartMs } from './analysis.js';
import { loadWave, record } from './context.js';
import { countBakeVerdict } from './deployment-metrics.js';
import type { StepDeps } from './deps.js';
import { beginRollback } from './roll-back.js';
import type { CheckInputT } from './step-inputs.js';

export interface CheckResult {
  readonly verdict: BakeAssessment['verdict'];
  readonly reason: string;
  readonly waitSeconds: number;
  /** What the last poll saw; a poll that sees the same thing writes nothing. */
  readonly signature: string;
  /** Data points of the new version, once counted (they are counted when the bake's time is up). */
  readonly dataPoints?: number;
  /** When `dataPoints` were counted. */
  readonly dataPointsAtMs?: number;
  readonly elapsedSeconds: number;
}

const scopeKey = (s: Scope) => `${s.account}/${s.region}`;

/** Alarms a set of targets is watched by, grouped by the account/region that owns them. */
export function alarmsToWatch(
  wave: ResolvedWave,
  targets: readonly Target[],
  templates: readonly string[] = [...wave.alarms.rollback, ...wave.alarms.oneBox],
): Map<string, { scope: Scope; names: Set<string> }> {
  const groups = new Map<string, { scope: Scope; names: Set<string> }>();
  for (const t of targets) {
    const scope = { account: t.account, region: t.region };
    const group = groups.get(scopeKey(scope)) ?? { scope, names: new Set<string>() };
    for (const template of templates) {
      group.names.add(expandAlarmName(template, t, wave.name));
    }
    groups.set(scopeKey(scope), group);
  }
  return groups;
}

/**
 * The state a bake or health check starts in: nothing seen yet, and the first check after the
 * safety poll (or at the end of a shorter bake). The step that starts the bake returns it.
 */
export function firstCheck(wave: ResolvedWave, bakeSeconds: number): CheckResult {
  return {
    verdict: 'baking',
    reason: 'started',
    waitSeconds: Math.max(1, Math.ceil(Math.min(wave.safetyPoll, bakeSeconds))),
    signature: '',
    elapsedSeconds: 0,
  };
}

/** One DescribeAlarms batch per account/region for the whole set, never one call per target. */
export async function readAlarms(
  deps: StepDeps,
  wave: ResolvedWave,
  targets: readonly Target[],
  templates: readonly string[] = [...wave.alarms.rollback, ...wave.alarms.oneBox],
): Promise<AlarmObservation[]> {
  const groups = [...alarmsToWatch(wave, targets, templates).values()].filter((g) => g.names.size > 0);
  const results = await Promise.all(
    groups.map(async ({ scope, names }) => {
      const readings = await deps.alarms.describeAlarms(scope, [...names]);
      const byName = new Map(readings.map((r) => [r.name, r]));
      return [...names].map((name): AlarmObservation => {
        const r = byName.get(name);
        const where = `${scope.region}/${scope.account}`;
        return r
          ? { name, state: r.state, reason: r.reason, where, sinceMs: r.updatedAtMs }
          : { name, state: 'missing', where };
      });
    }),
  );
  return results.flat();
}

/** Data points: invocations of each target's new version since the bake began, one batch per region. */
async function countDataPoints(
  deps: StepDeps,
  targets: readonly Target[],
  progress: ReadonlyMap<string, TargetRecord>,
  startMs: number,
  endMs: number,
): Promise<number> {
  const groups = new Map<string, { scope: Scope; queries: InvocationQuery[] }>();
  for (const t of targets) {
    const version = progress.get(t.id)?.newVersion;
    if (!version) continue;
    const scope = { account: t.account, region: t.region };
    const group = groups.get(scopeKey(scope)) ?? { scope, queries: [] };
    group.queries.push({ id: t.id, functionName: t.functionName, alias: t.alias, version, startMs, endMs });
    groups.set(scopeKey(scope), group);
  }
  const counts = await Promise.all(
    [...groups.values()].map(({ scope, queries }) => deps.metrics.countInvocations(scope, queries)),
  );
  return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
}

function signatureOf(
  a: BakeAssessment,
  alarms: readonly AlarmObservation[],
  dataPoints: number,
  min: number,
): string {
  const decile = min > 0 ? Math.min(10, Math.floor((dataPoints / min) * 10)) : 10;
  return `${a.verdict}|${decile}|${alarms.map((x) => `${x.name}=${x.state}`).join(',')}`;
}

/**
 * One check of a bake (one-box or wave) or of a rolling step's health check. Alarm events roll a
 * change back at once (the alarm watcher); this check is the safety poll behind them: it reads
 * every alarm of the batch or wave in one DescribeAlarms batch per account/region, and counts
 * data points only when they can decide something — once the bake's time is up, then on each
 * poll while still short, never again once the minimum is reached (one GetMetricData batch per
 * account/region). It decides with the pure {@link assessBake} and writes only when what it saw
 * changed.
 */
export async function checkHealth(deps: StepDeps, input: CheckInputT): Promise<CheckResult> {
  const { deployment, pipeline, wave } = await loadWave(deps, input.deploymentId, input.waveIndex);
  const indexes = input.scope === 'batch' ? input.targets : wave.targets.map((_, i) => i);
  const targets = indexes.map((i) => wave.targets[i]).filter((t): t is Target => t !== undefined);
  const startedAtMs =
    input.scope === 'batch' ? Math.max(...input.shift.map((s) => s.appliedAtMs)) : input.startedAtMs;
  // Steps arrive already expedited (StartWave); the wave bake is expedited here, once approved.
  const waveBake = expediteBake(
    { seconds: wave.bake.duration, minDataPoints: wave.bake.minDataPoints },
    activeExpedite(pipeline, deployment.expedite),
  );
  const durationSeconds = input.scope === 'batch' ? input.step.bakeSeconds : waveBake.seconds;
  const minDataPoints = input.scope === 'batch' ? input.step.minDataPoints : waveBake.minDataPoints;
  const nowMs = deps.clock.nowMs();
  const elapsedSeconds = Math.max(0, (nowMs - startedAtMs) / 1000);

  const previousCount = input.previous.dataPoints;
  const reached = previousCount !== undefined && minDataPoints > 0 && previousCount >= minDataPoints;
  const countNow = minDataPoints > 0 && !reached && elapsedSeconds >= durationSeconds;
  // The statistical one-box analysis, when the wave asks for it: in the one-box and the health
  // checks below 100 % (at 100 % the previous version serves nothing to compare with).
  const analyse = input.scope === 'batch' && wave.analysis !== undefined && input.step.weight < 100;
  const records =
    countNow || analyse
      ? deps.store
          .getTargets(deployment.id, wave.index)
          .then((list) => new Map(list.map((r) => [r.targetId, r])))
      : undefined;
  const [alarms, counted, analysis] = await Promise.all([
    readAlarms(deps, wave, targets),
    countNow
      ? records!.then((r) => countDataPoints(deps, targets, r, startedAtMs, nowMs))
      : Promise.resolve(undefined),
    analyse && input.scope === 'batch'
      ? records!.then((r) =>
          analyseBatch(
            deps,
            wave,
            targets,
            r,
            analysisWindowStartMs(
              wave,
              input.step.index,
              startedAtMs,
              activeExpedite(pipeline, deployment.expedite),
            ),
            nowMs,
            analysisLooks(wave, input.step.bakeSeconds),
          ),
        )
      : Promise.resolve(undefined),
  ]);
  const dataPoints = counted ?? (minDataPoints > 0 ? previousCount : 0);
  const dataPointsAtMs = counted !== undefined ? nowMs : input.previous.dataPointsAtMs;
  const assessment = assessBake({
    elapsedSeconds,
    durationSeconds,
    minDataPoints,
    ...(dataPoints !== undefined ? { dataPoints } : {}),
    alarms,
    inconclusiveTimeoutSeconds: wave.inconclusiveTimeout,
    pollIntervalSeconds: wave.safetyPoll,
    ...(deployment.cancelRequest ? { cancelRequested: deployment.cancelRequest } : {}),
    ...(deployment.rollback ? { rollbackBegun: deployment.rollback.reason } : {}),
    ...(analysis
      ? {
          analysis: {
            verdict: analysis.verdict,
            reason: analysis.reason,
            required: input.scope === 'batch' && input.step.kind === 'one-box',
          },
        }
      : {}),
  });
  const shownDataPoints = dataPoints ?? 0;
  const signature = `${signatureOf(assessment, alarms, shownDataPoints, minDataPoints)}${
    analysis ? `|analysis:${[...analysis.perTarget.values()].map((a) => a.verdict).join(',')}` : ''
  }`;
  const result: CheckResult = {
    verdict: assessment.verdict,
    reason: assessment.reason,
    waitSeconds: Math.max(1, Math.ceil(assessment.waitSeconds)),
    signature,
    ...(dataPoints !== undefined ? { dataPoints } : {}),
    ...(dataPoints !== undefined && dataPointsAtMs !== undefined ? { dataPointsAtMs } : {}),
    elapsedSeconds: Math.round(elapsedSeconds),
  };
  if (signature === input.previous.signature) return result;

  const phase: BakeProgress['phase'] = input.scope === 'wave' ? 'wave' : input.step.kind;
  const label =
    input.scope === 'wave'
      ? `wave ${wave.name} bake`
      : input.step.kind === 'one-box'
        ? `wave ${wave.name} batch ${input.batchIndex + 1} one-box bake`
        : `wave ${wave.name} batch ${input.batchIndex + 1} health check at ${input.step.weight}%`;
  // What the wave showed before this check, so that only alarms in a new state reach the timeline.
  const shownBefore = (await deps.store.getWave(deployment.id, wave.index))?.bake?.alarms;
  await recordAlarmStates(deps, deployment.id, wave, targets, alarms, shownBefore);
  await deps.store.updateWave(deployment.id, wave.index, {
    ...(input.scope === 'wave' ? { status: 'baking' as const } : {}),
    bake: {
      phase,
      startedAt: isoAt(startedAtMs),
      durationSeconds,
      minDataPoints,
      dataPoints: shownDataPoints,
      ...(result.dataPointsAtMs !== undefined ? { dataPointsAt: isoAt(result.dataPointsAtMs) } : {}),
      verdict: assessment.verdict === 'failed' ? 'failed' : assessment.verdict,
      // Nothing that time changes: the API adds the elapsed and remaining time when it is read.
      note: assessment.standing,
      failsAt: isoAt(startedAtMs + (durationSeconds + wave.inconclusiveTimeout) * 1000),
      alarms: alarms.map((a) => ({ name: a.name, state: a.state })),
    },
  });
  if (analysis && input.scope === 'batch' && records) {
    const at = isoAt(nowMs);
    const byTarget = await records;
    const step = input.step.index;
    await Promise.all(
      [...analysis.perTarget.entries()].map(([id, a]) =>
        deps.store.updateTarget(deployment.id, wave.index, id, {
          analysis: {
            ...byTarget.get(id)?.analysis,
            [String(step)]: { verdict: a.verdict, reason: a.reason.slice(0, 2000), step, at },
          },
        }),
      ),
    );
    await record(deps, deployment.id, {
      key: `analysis:${wave.index}:${input.batchIndex}:${input.step.index}:${analysis.verdict}`,
      type: 'analysis-verdict',
      wave: wave.index,
      message: `${label}: one-box analysis ${analysis.verdict}: ${analysis.reason}`,
      data: { verdict: analysis.verdict },
    });
  }
  if (assessment.verdict !== input.previous.verdict && assessment.verdict !== 'baking') {
    countBakeVerdict(deps, pipeline.name, assessment.verdict);
    const stepKey = input.scope === 'wave' ? 'wave' : `${input.batchIndex}:${input.step.index}`;
    await record(deps, deployment.id, {
      key: `bake:${wave.index}:${stepKey}:${assessment.verdict}`,
      type: `bake-${assessment.verdict}`,
      wave: wave.index,
      message: `${label}: ${assessment.reason}`,
      data: {
        dataPoints: shownDataPoints,
        minDataPoints,
        elapsedSeconds: Math.round(elapsedSeconds),
        ...(assessment.alarm ? { alarm: assessment.alarm } : {}),
      },
    });
  }
  if (assessment.verdict === 'failed' && !deployment.rollback) {
    const firing = alarms.find((a) => a.name === assessment.alarm && a.state === 'ALARM');
    await beginRollback(deps, deployment.id, {
      reason: `${label}: ${assessment.reason}`,
      ...(assessment.alarm ? { alarm: assessment.alarm } : {}),
      ...(firing?.sinceMs !== undefined ? { alarmAt: isoAt(firing.sinceMs) } : {}),
      triggeredBy: 'check',
    });
  }
  return result;
}
