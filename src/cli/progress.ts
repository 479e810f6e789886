import { formatDuration } from '../core/duration.js';
import type { BakeProgress, TimelineEvent } from '../ports/store.js';

/** Prints timeline events as they happen, stamped with (virtual) time; a retried write prints once. */
export function progressPrinter(write: (line: string) => void): (e: TimelineEvent) => void {
  const seen = new Set<string>();
  return (e) => {
    if (seen.has(e.key)) return;
    seen.add(e.key);
    const at = e.at.slice(0, 16).replace('T', ' ');
    const indent = e.target ? '    ' : e.type.startsWith('wave') || e.type.startsWith('bake') ? '  ' : '';
    write(`[${at}] ${indent}${e.message}`);
  };
}

/**
 * Prints bake progress (time and data points against what the bake needs, and alarm states) each
 * time the workflow records a change: a new tenth of the data points, an alarm changing state.
 */
export function bakePrinter(write: (line: string) => void): (bake: BakeProgress, nowMs: number) => void {
  let last = '';
  return (bake, nowMs) => {
    if (bake.verdict !== 'baking' && bake.verdict !== 'inconclusive') return;
    const elapsed = Math.max(0, (nowMs - Date.parse(bake.startedAt)) / 1000);
    const alarms = bake.alarms.length === 0 ? 'no alarms' : summarizeAlarms(bake.alarms);
    const what = bake.phase === 'rolling' ? 'health check' : `${bake.phase} bake`;
    const points = bake.minDataPoints > 0 ? `, ${bake.dataPoints}/${bake.minDataPoints} data points` : '';
    const line = `${what} ${formatDuration(elapsed)}/${formatDuration(bake.durationSeconds)}${points}, ${alarms}`;
    if (line === last) return;
    last = line;
    write(`[${new Date(nowMs).toISOString().slice(0, 16).replace('T', ' ')}]       ${line}`);
  };
}

function summarizeAlarms(alarms: BakeProgress['alarms']): string {
  const byState = new Map<string, number>();
  for (const a of alarms) byState.set(a.state, (byState.get(a.state) ?? 0) + 1);
  return [...byState].map(([state, n]) => `${n} ${state}`).join(', ');
}
