import { formatDuration } from '../core/duration.js';
import type { RolloutPlan } from '../core/rollout.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The rollout as a table: waves, targets, steps, bake and lead time. */
export function renderPlan(plan: RolloutPlan): string {
  const rows: string[][] = [
    ['wave', 'targets', 'batches', 'steps', 'one-box bake', 'wave bake', 'lead time', 'max history'],
  ];
  for (const w of plan.waves) {
    const oneBox = w.steps[0]!;
    rows.push([
      `${w.index + 1}. ${w.name}${w.stage === 'pre-production' ? ' (pre-production)' : ''}`,
      String(w.targets.length),
      String(w.batches),
      w.steps.map((s) => `${s.weight}%`).join(' → '),
      `${formatDuration(oneBox.bakeSeconds)} / ${oneBox.minDataPoints} dp`,
      `${formatDuration(w.waveBakeSeconds)} / ${w.waveMinDataPoints} dp`,
      formatDuration(w.leadTimeSeconds),
      String(Math.max(w.historyEvents.wave, w.historyEvents.batch)),
    ]);
  }
  const targets: string[][] = [['wave', 'target', 'account', 'region', 'cell', 'alias']];
  for (const w of plan.waves) {
    for (const t of w.targets) targets.push([w.name, t.id, t.account, t.region, t.cell ?? '-', t.alias]);
  }
  const batches: string[][] = [['wave', 'batching', 'batches, in order']];
  for (const w of plan.waves) {
    batches.push([w.name, w.batching, w.batchTargets.map((b) => `[${b.join(' ')}]`).join(' ')]);
  }
  const checks: string[][] = [['wave', 'one-box analysis', 'hooks (moment, scope, timeout)']];
  for (const w of plan.waves) {
    checks.push([
      w.name,
      w.analysis ? 'yes' : '-',
      w.hooks.map((h) => `${h.name} ${h.at} ${h.scope} ${formatDuration(h.timeoutSeconds)}`).join('; ') ||
        '-',
    ]);
  }
  const testStages = plan.waves.filter((w) => w.stage === 'pre-production').length;
  return [
    `Pipeline ${plan.pipeline}: ${plan.waves.length} waves${testStages > 0 ? ` (${testStages} pre-production, then ${plan.waves.length - testStages} production)` : ''}, ${plan.targetCount} targets, lead time ${formatDuration(plan.totalLeadTimeSeconds)} when nothing waits.`,
    '',
    table(rows),
    '',
    table(targets),
    '',
    table(batches),
    '',
    table(checks),
    '',
    'Lead time = batches × (one-box bake + rolling health checks) + wave bake; "max history" estimates the',
    'largest Step Functions execution (wave or batch) against the 25,000-event limit.',
  ].join('\n');
}
