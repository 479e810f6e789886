import { expandAlarmName, type ResolvedPipeline } from '../../src/core/pipeline.js';
import type { AlarmChange } from '../../src/local/fleet/alarms.js';
import type { ScenarioInput } from '../../src/local/scenario.js';
import type { DeploymentView } from '../../src/ports/store.js';

/*
 * "Succeeded although an alarm it watched went into ALARM", decided only where the product's
 * rules make the answer exact:
 *
 *   - a batch's alarms (rollback and one-box, expanded for its targets) are watched from the
 *     batch's first check — right after its one-box shift (`one-box-started`) — until its wave
 *     succeeds; the first check reads them, and from then on an alarm entering ALARM reaches the
 *     alarm watcher as an event about a second later (retried 1 and 2 minutes later), which rolls
 *     back unconditionally;
 *   - with events lost, only checks see alarms: the wave bake reads every alarm of the wave at
 *     least every `safetyPoll`.
 *
 * So with events delivered, an alarm that entered ALARM more than a second after its watch began
 * and more than 3 minutes before the wave ended, or that was still in ALARM a minute after the
 * watch began, must have rolled the deployment back. With events lost, an alarm in ALARM for
 * `safetyPoll` + 2 minutes inside a wave bake, or a minute after the watch began, must have.
 * Alarms a scenario blocker scripts are left out (DescribeAlarms answers with the scripted one).
 */

const MINUTE_MS = 60_000;

interface AlarmWindow {
  readonly key: string;
  readonly name: string;
  readonly waveName: string;
  /** Watch start (the first one-box shift of a target it watches), wave bake start, wave end. */
  readonly startMs: number;
  readonly bakeMs: number;
  readonly endMs: number;
  readonly safetyPollMs: number;
}

/** Intervals an alarm spent in ALARM, from its state changes (open-ended: until the run's end). */
function alarmIntervals(changes: readonly AlarmChange[], key: string): { fromMs: number; toMs: number }[] {
  const out: { fromMs: number; toMs: number }[] = [];
  let since: number | undefined;
  for (const c of changes) {
    if (`${c.account}/${c.region}/${c.name}` !== key) continue;
    if (c.to === 'ALARM' && since === undefined) since = c.atMs;
    else if (c.to !== 'ALARM' && since !== undefined) {
      out.push({ fromMs: since, toMs: c.atMs });
      since = undefined;
    }
  }
  if (since !== undefined) out.push({ fromMs: since, toMs: Number.POSITIVE_INFINITY });
  return out;
}

function watchWindows(
  pipeline: ResolvedPipeline,
  view: DeploymentView,
  scripted: Set<string>,
): AlarmWindow[] {
  const at = (key: string) => {
    const e = view.events.find((x) => x.key === key);
    return e ? Date.parse(e.at) : undefined;
  };
  const windows = new Map<string, AlarmWindow>();
  for (const w of pipeline.waves) {
    const endMs = at(`wave-succeeded:${w.index}`);
    const bakeMs = at(`wave-bake-started:${w.index}`);
    if (endMs === undefined || bakeMs === undefined) continue;
    for (const t of w.targets) {
      const startMs = at(`step:${w.index}:${t.id}:0`);
      if (startMs === undefined) continue;
      for (const template of [...w.alarms.rollback, ...w.alarms.oneBox]) {
        const name = expandAlarmName(template, t, w.name);
        const key = `${t.account}/${t.region}/${name}`;
        if (scripted.has(`${t.region}/${name}`)) continue;
        const previous = windows.get(`${w.index}/${key}`);
        windows.set(`${w.index}/${key}`, {
          key,
          name,
          waveName: w.name,
          startMs: Math.min(startMs, previous?.startMs ?? startMs),
          bakeMs,
          endMs,
          safetyPollMs: w.safetyPoll * 1000,
        });
      }
    }
  }
  return [...windows.values()];
}

export interface MissedAlarms {
  /** ALARM intervals of watched alarms that overlapped their watch: the cases looked at. */
  readonly judged: number;
  /** Those the deployment should have rolled back on, each described. */
  readonly missed: string[];
}

/**
 * The alarms a succeeded deployment should have rolled back on; nothing is judged when the
 * deployment did not succeed.
 */
export function missedAlarms(
  pipeline: ResolvedPipeline,
  scenario: ScenarioInput,
  view: DeploymentView,
  changes: readonly AlarmChange[],
): MissedAlarms {
  if (view.deployment.status !== 'succeeded') return { judged: 0, missed: [] };
  const scripted = new Set(
    (scenario.blockers ?? []).flatMap((b) => (b.kind === 'alarm' ? [`${b.region}/${b.name}`] : [])),
  );
  const lost = scenario.alarmEvents === 'lost';
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : 'the end');
  const out: string[] = [];
  let judged = 0;
  for (const w of watchWindows(pipeline, view, scripted)) {
    for (const { fromMs, toMs } of alarmIntervals(changes, w.key)) {
      if (toMs <= w.startMs || fromMs >= w.endMs) continue;
      judged++;
      const atFirstCheck = fromMs <= w.startMs && toMs > w.startMs + MINUTE_MS;
      const enteredWhileWatched = !lost && fromMs > w.startMs + 1000 && fromMs < w.endMs - 3 * MINUTE_MS;
      const overlapMs = Math.min(toMs, w.endMs) - Math.max(fromMs, w.bakeMs);
      const seenByBakePolls = lost && overlapMs >= w.safetyPollMs + 2 * MINUTE_MS;
      if (atFirstCheck || enteredWhileWatched || seenByBakePolls) {
        out.push(
          `alarm ${w.name} (${w.key}) was in ALARM from ${iso(fromMs)} to ${iso(toMs)}, while wave ${w.waveName} ` +
            `watched it (${iso(w.startMs)} to ${iso(w.endMs)}, wave bake from ${iso(w.bakeMs)}, events ${lost ? 'lost' : 'delivered'}), ` +
            'yet the deployment succeeded',
        );
      }
    }
  }
  return { judged, missed: out };
}
