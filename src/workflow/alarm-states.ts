import type { AlarmObservation } from '../core/bake.js';
import type { ResolvedWave, Target } from '../core/pipeline.js';
import { isoAt } from '../ports/clock.js';
import { record } from './context.js';
import type { StepDeps } from './deps.js';
import { watchedAlarms } from './watches.js';

/*
 * Alarm states on the timeline, for the deployment page's alarm strips: one `alarm-state-changed`
 * event when a check or the alarm watcher sees an alarm of a wave in a state it was not in
 * before. Keyed by (wave, alarm, state, when the alarm entered it), so a check and the watcher
 * that see the same change write it once.
 */

/** The timeline event a check or the alarm watcher writes when it sees an alarm in a new state. */
export const ALARM_STATE_CHANGED = 'alarm-state-changed';

/** What an `alarm-state-changed` event carries in `data`. */
export interface AlarmStateChangeData {
  readonly alarm: string;
  /** `<region>/<account>` of the alarm. */
  readonly where: string;
  /** `OK`, `ALARM`, `INSUFFICIENT_DATA`, or `missing` (no such alarm). */
  readonly state: string;
  /** When the alarm entered the state (CloudWatch's time), when known. */
  readonly since?: string;
  /** The targets of the wave that this alarm watches, as the recorder knew them. */
  readonly targets?: readonly string[];
}

/** Who an alarm watches, in a few words: a wave-wide alarm may watch dozens of targets. */
function describeWatched(targets: readonly string[], waveName: string): string {
  if (targets.length === 0) return `wave ${waveName}`;
  if (targets.length <= 3) return targets.join(', ');
  return `${targets.slice(0, 2).join(', ')} and ${targets.length - 2} more targets of wave ${waveName}`;
}

/** The timeline key of one alarm state change seen for one wave. */
export function alarmStateKey(
  waveIndex: number,
  where: string,
  alarm: string,
  state: string,
  sinceMs?: number,
) {
  return `alarm-state:${waveIndex}:${where}/${alarm}:${state}:${sinceMs ?? '-'}`;
}

/**
 * Records the alarms whose state differs from `before` (what the wave last showed; absent: the
 * first look, where only a state other than OK is written). Called only when a check's picture
 * changed, so a poll that sees the same states writes nothing.
 */
export async function recordAlarmStates(
  deps: StepDeps,
  deploymentId: string,
  wave: ResolvedWave,
  targets: readonly Target[],
  seen: readonly AlarmObservation[],
  before: readonly { readonly name: string; readonly state: string }[] | undefined,
): Promise<void> {
  const previous = new Map((before ?? []).map((a) => [a.name, a.state]));
  const watching = new Map(
    watchedAlarms(wave, targets).map((a) => [`${a.region}/${a.account}\u0000${a.alarmName}`, a.targets]),
  );
  // An alarm OK at first sight is not written: the page draws a watched alarm without events as
  // OK from its target's one-box on (every check saw it OK). A healthy rollout writes nothing here.
  const changed = seen.filter((a) => {
    const was = previous.get(a.name);
    return was !== a.state && !(was === undefined && a.state === 'OK');
  });
  await Promise.all(
    changed.map((a) => {
      const was = previous.get(a.name);
      const watchedBy = watching.get(`${a.where}\u0000${a.name}`) ?? [];
      const data: AlarmStateChangeData = {
        alarm: a.name,
        where: a.where,
        state: a.state,
        ...(a.sinceMs !== undefined ? { since: isoAt(a.sinceMs) } : {}),
        targets: watchedBy,
      };
      return record(deps, deploymentId, {
        key: alarmStateKey(wave.index, a.where, a.name, a.state, a.sinceMs),
        type: ALARM_STATE_CHANGED,
        wave: wave.index,
        ...(watchedBy.length === 1 ? { target: watchedBy[0] } : {}),
        message: `alarm ${a.name} (${a.where}) is ${a.state}${was ? ` (was ${was})` : ''}, watching ${describeWatched(watchedBy, wave.name)}`,
        data: { ...data },
      });
    }),
  );
}
