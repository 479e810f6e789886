import { type AnalysisResult, analyseVersions, type Verdict } from '../core/analysis.js';
import { type ExpeditePolicy, expediteSteps } from '../core/expedite.js';
import type { ResolvedWave, Target } from '../core/pipeline.js';
import { rolloutSteps } from '../core/rollout.js';
import type { InvocationQuery, Scope } from '../ports/fleet.js';
import type { TargetRecord } from '../ports/store.js';
import type { StepDeps } from './deps.js';

const MINUTE_MS = 60_000;

/** A batch's analysis: each target's, and the batch's verdict (the worst of them). */
export interface BatchAnalysis {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly perTarget: ReadonlyMap<string, AnalysisResult>;
}

const RANK: Record<Verdict, number> = { pass: 0, marginal: 1, inconclusive: 2, fail: 3 };

/**
 * When a step's analysis window starts: the one-box's own start, or, in a health check, as far
 * back as the one-box (the earlier steps' bakes before this one), so a short health check still
 * has minutes enough to judge. A minute before the new version served has no new-version data.
 */
export function analysisWindowStartMs(
  wave: ResolvedWave,
  stepIndex: number,
  stepStartedAtMs: number,
  /** The expedite policy the steps ran under, if any (its bakes are shorter). */
  expedite?: ExpeditePolicy,
): number {
  const earlier = expediteSteps(rolloutSteps(wave), expedite)
    .filter((s) => s.index < stepIndex)
    .reduce((sum, s) => sum + s.bakeSeconds, 0);
  return stepStartedAtMs - earlier * 1000;
}

/**
 * How many checks of a step can reach a verdict: those from the first with `minSamples` minutes
 * to the end of the step's bake and its inconclusive time, one per safety poll.
 */
export function analysisLooks(wave: ResolvedWave, stepSeconds: number): number {
  const settings = wave.analysis;
  if (!settings) return 1;
  const judging = stepSeconds + wave.inconclusiveTimeout - settings.minSamples * 60;
  return Math.max(1, Math.ceil(judging / wave.safetyPoll) + 1);
}

/**
 * Compares, in each target of a batch, the new version's minutes with the previous version's over
 * the minutes that have ended since `startMs` (one GetMetricData batch per account/region), with
 * the wave's `analysis` settings. Targets where nothing changes version are left out.
 */
export async function analyseBatch(
  deps: StepDeps,
  wave: ResolvedWave,
  targets: readonly Target[],
  records: ReadonlyMap<string, TargetRecord>,
  startMs: number,
  nowMs: number,
  /** How many checks of this step may judge (the Bonferroni share of each, see below). */
  looks = 1,
): Promise<BatchAnalysis | undefined> {
  const configured = wave.analysis;
  if (!configured) return undefined;
  const endMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const groups = new Map<string, { scope: Scope; queries: InvocationQuery[] }>();
  const judged: Target[] = [];
  for (const t of targets) {
    const r = records.get(t.id);
    if (!r?.previousVersion || !r.newVersion || r.previousVersion === r.newVersion) continue;
    judged.push(t);
    const scope = { account: t.account, region: t.region };
    const key = `${scope.account}/${scope.region}`;
    const group = groups.get(key) ?? { scope, queries: [] };
    const base = { functionName: t.functionName, alias: t.alias, startMs, endMs };
    group.queries.push({ id: `${t.id}#old`, version: r.previousVersion, ...base });
    group.queries.push({ id: `${t.id}#new`, version: r.newVersion, ...base });
    groups.set(key, group);
  }
  if (judged.length === 0) return undefined;
  // A batch is judged at every check of the step, each target on its own: any false alarm among
  // them rolls the batch back. So each test gets its Bonferroni share of 1 - confidence, and the
  // chance that a batch as good as its baseline is rolled back stays within 1 - confidence.
  const tests = Math.max(1, looks) * judged.length;
  const settings = { ...configured, confidence: 1 - (1 - configured.confidence) / tests };
  const answers = await Promise.all(
    [...groups.values()].map(({ scope, queries }) => deps.metrics.versionMinutes(scope, queries)),
  );
  const minutes = Object.assign({}, ...answers) as Record<string, Parameters<typeof analyseVersions>[0]>;
  const perTarget = new Map<string, AnalysisResult>();
  for (const t of judged) {
    perTarget.set(
      t.id,
      analyseVersions(minutes[`${t.id}#old`] ?? [], minutes[`${t.id}#new`] ?? [], settings),
    );
  }
  const worst = Math.max(...[...perTarget.values()].map((a) => RANK[a.verdict]));
  const verdict = (Object.keys(RANK) as Verdict[]).find((v) => RANK[v] === worst)!;
  const reason = [...perTarget.entries()]
    .filter(([, a]) => a.verdict === verdict)
    .map(([id, a]) => `${id}: ${a.reason}`)
    .join('; ');
  return { verdict, reason, perTarget };
}
