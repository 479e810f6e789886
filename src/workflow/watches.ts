import type { ResolvedWave, Target } from '../core/pipeline.js';
import { expandAlarmName } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import type { StepDeps } from './deps.js';

/*
 * Watch records: while a batch or wave is watched by an alarm, one record per (alarm, deployment
 * wave) lets the alarm watcher find it with one Query when the alarm's state-change event
 * arrives. A watch lasts from the first check of a batch to the end of its wave, so a batch at
 * 100 % stays watched while the next batch deploys and while the wave bakes.
 */

/** Every alarm the targets are watched by, with the targets each one watches. */
export function watchedAlarms(
  wave: ResolvedWave,
  targets: readonly Target[],
): { account: string; region: string; alarmName: string; targets: string[] }[] {
  const byKey = new Map<string, { account: string; region: string; alarmName: string; targets: string[] }>();
  for (const t of targets) {
    for (const template of [...wave.alarms.rollback, ...wave.alarms.oneBox]) {
      const alarmName = expandAlarmName(template, t, wave.name);
      const key = `${t.account}/${t.region}/${alarmName}`;
      const entry = byKey.get(key) ?? { account: t.account, region: t.region, alarmName, targets: [] };
      if (!entry.targets.includes(t.id)) entry.targets.push(t.id);
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()];
}

/**
 * Starts watching: one watch record per alarm, so the alarm watcher can find this wave when an
 * alarm event arrives. Written before this check reads the alarms: an alarm that entered ALARM
 * before the write is seen by the read, one after it is found by the watcher.
 */
export async function startWatching(
  deps: StepDeps,
  deploymentId: string,
  wave: ResolvedWave,
  targets: readonly Target[],
): Promise<void> {
  const since = isoNow(deps.clock);
  await Promise.all(
    watchedAlarms(wave, targets).map((a) =>
      deps.store.putWatch({ ...a, deploymentId, waveIndex: wave.index, since }),
    ),
  );
}

/** Ends every watch of a wave (the wave succeeded or rolled back). */
export async function stopWatching(deps: StepDeps, deploymentId: string, wave: ResolvedWave): Promise<void> {
  await deps.store.removeWatches(deploymentId, wave.index, watchedAlarms(wave, wave.targets));
}
