import cliProgress from 'cli-progress';
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

/** Where a simulation is, for its progress bar: virtual time against the plan, the wave, its bake. */
export interface SimulationProgress {
  /** The planned virtual duration (the rollout's lead time, without holds). */
  readonly plannedSeconds: number;
  /** The pipeline's waves, by index. */
  readonly waves: readonly string[];
  /** Virtual time of the first event seen, and of the latest. */
  readonly startMs?: number;
  readonly nowMs?: number;
  /** Index of the wave being run. */
  readonly wave?: number;
  /** The bake under way (its time runs to `nowMs`). */
  readonly bake?: {
    readonly what: string;
    readonly startedMs: number;
    readonly durationSeconds: number;
    readonly dataPoints: number;
    readonly minDataPoints: number;
  };
}

/**
 * The progress after a timeline event or a bake record (pure): time moves to it, a started wave
 * becomes the wave being run (its bake not begun yet), a bake that ended is no longer shown.
 *
 * @example advanceProgress(p, { event: { type: 'wave-started', wave: 1, at: '2026-11-23T12:00:00Z', ... } }).wave // 1
 */
export function advanceProgress(
  progress: SimulationProgress,
  input: { readonly event: TimelineEvent } | { readonly bake: BakeProgress; readonly nowMs: number },
): SimulationProgress {
  const nowMs = 'event' in input ? Date.parse(input.event.at) : input.nowMs;
  const timed = {
    ...progress,
    startMs: progress.startMs ?? nowMs,
    nowMs: Math.max(progress.nowMs ?? nowMs, nowMs),
  };
  if ('event' in input) {
    const { type, wave } = input.event;
    if (type === 'wave-started' && wave !== undefined) {
      const { bake: _ended, ...rest } = timed;
      return { ...rest, wave };
    }
    return timed;
  }
  const bake = input.bake;
  if (bake.verdict !== 'baking' && bake.verdict !== 'inconclusive') {
    const { bake: _ended, ...rest } = timed;
    return rest;
  }
  return {
    ...timed,
    bake: {
      what: bake.phase === 'rolling' ? 'health check' : `${bake.phase} bake`,
      startedMs: Date.parse(bake.startedAt),
      durationSeconds: bake.durationSeconds,
      dataPoints: bake.dataPoints,
      minDataPoints: bake.minDataPoints,
    },
  };
}

/**
 * The progress bar as one line of text (pure): virtual time elapsed of the planned duration as a
 * bar and a percentage (full once past the plan: holds and rollbacks take longer), the wave being
 * run, and its bake.
 *
 * @example renderProgressLine({ plannedSeconds: 27000, waves: ['canary', 'europe', 'world'], startMs: 0, nowMs: 9_000_000, wave: 1 }, 10)
 * // 'virtual 2h30m of 7h30m [███░░░░░░░]  33% | wave 2/3 europe'
 */
export function renderProgressLine(progress: SimulationProgress, width = 24): string {
  const elapsed = Math.max(0, ((progress.nowMs ?? 0) - (progress.startMs ?? progress.nowMs ?? 0)) / 1000);
  const ratio = progress.plannedSeconds > 0 ? Math.min(1, elapsed / progress.plannedSeconds) : 1;
  // cli-progress draws the bar; its SingleBar is not used because it redraws on a setTimeout
  // loop, and the engine's virtual clock fakes setTimeout (each redraw would move time on).
  const bar = cliProgress.Format.BarFormat(ratio, {
    barsize: width,
    barCompleteString: '█'.repeat(width),
    barIncompleteString: '░'.repeat(width),
    barGlue: '',
  });
  const parts = [
    `virtual ${formatDuration(elapsed)} of ${formatDuration(progress.plannedSeconds)} [${bar}] ${String(Math.floor(ratio * 100)).padStart(3)}%`,
  ];
  if (progress.wave !== undefined) {
    parts.push(
      `wave ${progress.wave + 1}/${progress.waves.length} ${progress.waves[progress.wave] ?? ''}`.trimEnd(),
    );
  }
  const bake = progress.bake;
  if (bake) {
    const points = bake.minDataPoints > 0 ? `, ${bake.dataPoints}/${bake.minDataPoints} data points` : '';
    const baked = Math.max(0, ((progress.nowMs ?? bake.startedMs) - bake.startedMs) / 1000);
    parts.push(
      `${bake.what} ${formatDuration(Math.min(baked, bake.durationSeconds))}/${formatDuration(bake.durationSeconds)}${points}`,
    );
  }
  return parts.join(' | ');
}

/** A terminal the bar is drawn on (stderr when it is a TTY). */
export interface BarTerminal extends NodeJS.WritableStream {
  readonly columns?: number;
}

/** The live output of a simulation: its lines, and (on a terminal) the progress bar below them. */
export interface LiveProgress {
  readonly onEvent: (event: TimelineEvent) => void;
  readonly onBake: (bake: BakeProgress, nowMs: number) => void;
  /** Writes a line of output, above the bar. */
  readonly write: (line: string) => void;
  /** Takes the bar off the terminal (before the summary). */
  readonly finish: () => void;
}

/**
 * Prints a simulation's events and bake progress through `write`, and, given a `terminal`, keeps
 * a progress bar on its last line: cleared before each printed line and drawn again after it.
 *
 * The bar is drawn here, synchronously, rather than by cli-progress: its bars redraw on a
 * `setTimeout` loop, and the embedded engine fakes `setTimeout` to run virtual time, so that loop
 * would tick the simulation forward 100 virtual ms at a time.
 *
 * @example const live = liveProgress(pipeline, out, process.stderr.isTTY ? process.stderr : undefined)
 */
export function liveProgress(
  pipeline: { readonly waves: readonly { readonly name: string }[] },
  plannedSeconds: number,
  write: (line: string) => void,
  terminal?: BarTerminal,
): LiveProgress {
  const printEvent = progressPrinter((line) => above(line));
  const printBake = bakePrinter((line) => above(line));
  let progress: SimulationProgress = { plannedSeconds, waves: pipeline.waves.map((w) => w.name) };
  let drawn = '';
  const clear = () => {
    if (!terminal || drawn === '') return;
    terminal.write('\r\u001b[2K');
    drawn = '';
  };
  const draw = () => {
    if (!terminal) return;
    const line = renderProgressLine(progress).slice(0, Math.max(20, (terminal.columns || 80) - 1));
    if (line === drawn) return;
    terminal.write(`\r${line}\u001b[K`);
    drawn = line;
  };
  function above(line: string): void {
    clear();
    write(line);
  }
  return {
    onEvent: (event) => {
      printEvent(event);
      progress = advanceProgress(progress, { event });
      draw();
    },
    onBake: (bake, nowMs) => {
      printBake(bake, nowMs);
      progress = advanceProgress(progress, { bake, nowMs });
      draw();
    },
    write: above,
    finish: clear,
  };
}
