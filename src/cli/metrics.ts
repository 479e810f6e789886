import type { Command } from 'commander';
import type { DeliveryMetrics, DurationSummary } from '../core/delivery-metrics.js';
import { formatDuration } from '../core/duration.js';
import { InvalidInputError } from '../core/errors.js';
import { type ConnectionFlags, clientFromFlags, withConnectionOptions } from './client.js';

/** `GET /pipelines/{name}/metrics`. */
export type PipelineMetricsBody = DeliveryMetrics & { readonly pipeline: string };

const BAR_WIDTH = 30;

/**
 * The metrics as text, for `breakwater metrics`: one line per figure, then the series as bars
 * (`#` succeeded, `x` failed, `~` in progress, `.` not judged).
 *
 * @example process.stdout.write(`${renderMetrics(await client.request('GET', '/pipelines/payments/metrics'))}\n`)
 */
export function renderMetrics(m: PipelineMetricsBody): string {
  const d = m.deployments;
  const rate = m.changeFailureRate;
  const causes = Object.entries(rate.byCause)
    .map(([cause, n]) => `${cause} ${n}`)
    .join(', ');
  const off = m.timeToRestore.trafficOff;
  const next = m.timeToRestore.nextGoodRelease;
  const held = Object.entries(m.held.byKind)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, s]) => `${kind} ${formatDuration(s)}`)
    .join(', ');
  const lines = [
    `Delivery metrics of ${m.pipeline}: ${when(m.from)} → ${when(m.to)} UTC (${m.days} days)`,
    `  deployments          ${d.total}: ${d.succeeded} succeeded, ${d.failed} failed, ${d.inProgress} in progress, ${d.notJudged} not judged`,
    `  frequency            ${m.frequency.perDay} a day, ${m.frequency.perWeek} a week`,
    `  lead time            ${summary(m.leadTime)}${m.leadTime.count > 0 ? ` (${m.leadTime.fromChangeCreatedAt} from the change's time, ${m.leadTime.fromDeploymentCreatedAt} from the deployment start)` : ''}`,
    `  change failure rate  ${rate.rate === null ? 'n/a (nothing judged)' : `${round1(rate.rate * 100)}% (${rate.failed} of ${rate.judged})`}${causes ? `: ${causes}` : ''}`,
    `  restore: traffic off ${summary(off)}`,
    `  restore: next good   ${summary(next)}${next.unrestored.length > 0 ? `; not restored yet: ${next.unrestored.join(', ')}` : ''}`,
    `  held by blockers     ${held || 'never'}${m.held.deployments > 0 ? ` (${m.held.deployments} deployment(s))` : ''}`,
    '',
    `  per ${m.frequency.bucket} (# succeeded, x failed, ~ in progress, . not judged)`,
  ];
  const most = Math.max(1, ...m.frequency.series.map(total));
  const scale = most > BAR_WIDTH ? BAR_WIDTH / most : 1;
  for (const p of m.frequency.series) {
    const bar =
      '#'.repeat(Math.round(p.succeeded * scale)) +
      'x'.repeat(Math.round(p.failed * scale)) +
      '~'.repeat(Math.round(p.inProgress * scale)) +
      '.'.repeat(Math.round(p.notJudged * scale));
    lines.push(`  ${p.start.slice(0, 10)}  ${bar}${total(p) > 0 ? ` ${total(p)}` : ''}`);
  }
  return lines.join('\n');
}

function total(p: { succeeded: number; failed: number; inProgress: number; notJudged: number }): number {
  return p.succeeded + p.failed + p.inProgress + p.notJudged;
}

function summary(s: DurationSummary): string {
  if (s.count === 0 || s.medianSeconds === null || s.p90Seconds === null) return 'n/a (none)';
  return `median ${formatDuration(s.medianSeconds)}, p90 ${formatDuration(s.p90Seconds)} (${s.count})`;
}

function when(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Checks an ISO instant option before asking the API (which checks again). */
function instantOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d\d-\d\dT/.test(value)) {
    throw new InvalidInputError('metrics', [
      {
        path: `--${name}`,
        message: `expected an ISO 8601 instant like 2026-11-01T00:00:00Z, got ${JSON.stringify(value)}`,
      },
    ]);
  }
  return value;
}

/** `breakwater metrics <pipeline> [--from] [--to] [--bucket] [--json]`. */
export function registerMetricsCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('metrics <pipeline>')
      .description(
        'Delivery metrics of a pipeline: deployment frequency, lead time, change failure rate, time to restore, time held by blockers.',
      )
      .option('--from <iso>', 'start of the period (ISO 8601; default: 30 days before --to)')
      .option('--to <iso>', 'end of the period, exclusive (ISO 8601; default: now); at most 366 days')
      .option('--bucket <day|week>', 'the series per day or per week (default: day up to 62 days)'),
  ).action(
    async (pipeline: string, flags: ConnectionFlags & { from?: string; to?: string; bucket?: string }) => {
      const query = new URLSearchParams();
      const from = instantOption('from', flags.from);
      const to = instantOption('to', flags.to);
      if (from) query.set('from', from);
      if (to) query.set('to', to);
      if (flags.bucket) query.set('bucket', flags.bucket);
      const path = `/pipelines/${encodeURIComponent(pipeline)}/metrics${query.size > 0 ? `?${query}` : ''}`;
      const metrics = await clientFromFlags(flags).request<PipelineMetricsBody>('GET', path);
      process.stdout.write(`${flags.json ? JSON.stringify(metrics, null, 2) : renderMetrics(metrics)}\n`);
    },
  );
}
