import { isoAt, isoNow } from '../ports/clock.js';
import type { WatchRecord } from '../ports/store.js';
import { ALARM_STATE_CHANGED, alarmStateKey } from './alarm-states.js';
import { loadDeployment, loadPipeline, record } from './context.js';
import { recordTrafficOff } from './deployment-metrics.js';
import type { StepDeps } from './deps.js';
import { beginRollback, revertTargets } from './roll-back.js';

/** An alarm that entered ALARM, as the alarm watcher learns it from CloudWatch's event. */
export interface AlarmAlert {
  readonly alarmName: string;
  readonly account: string;
  readonly region: string;
  readonly reason: string;
  /** When the alarm entered ALARM (CloudWatch's time, from the event). */
  readonly enteredAtMs: number;
  /** The EventBridge event id, for the timeline. */
  readonly eventId: string;
}

export interface AlarmWatchOutcome {
  /** Deployments this alert rolled back (traffic taken off the new version). */
  readonly rolledBack: string[];
  /** Deployments watching the alarm that it left alone, and why. */
  readonly ignored: { readonly deploymentId: string; readonly why: string }[];
}

/**
 * The alarm watcher: finds every deployment wave watching the alarm (one Query on the watch
 * records) and rolls each deployment back through the same rollback service the workflow uses:
 * mark the deployment first (the fence), then every target that carries the new version back to
 * its previous version. The running execution notices at its next check and ends through its
 * rollback path. Duplicate events find the rollback begun and the targets already back, and do
 * nothing twice. An event older than the watch (delivered late, about an alarm that was in ALARM
 * before this deployment watched it) counts only if the alarm is still in ALARM.
 *
 * @example await handleAlarmAlert(deps, { alarmName: 'errors-use1', account, region, reason, enteredAtMs, eventId })
 */
export async function handleAlarmAlert(deps: StepDeps, alert: AlarmAlert): Promise<AlarmWatchOutcome> {
  const watches = await deps.store.listWatches(alert);
  const byDeployment = new Map<string, WatchRecord[]>();
  for (const w of watches) byDeployment.set(w.deploymentId, [...(byDeployment.get(w.deploymentId) ?? []), w]);
  const rolledBack: string[] = [];
  const ignored: { deploymentId: string; why: string }[] = [];
  const where = `${alert.region}/${alert.account}`;

  for (const [deploymentId, records] of byDeployment) {
    const deployment = await loadDeployment(deps, deploymentId);
    if (deployment.status !== 'running' && deployment.status !== 'rolling_back') {
      ignored.push({ deploymentId, why: `deployment is ${deployment.status}` });
      continue;
    }
    if (deployment.rollback?.trafficOffAt) {
      ignored.push({ deploymentId, why: 'already rolled back' });
      continue;
    }
    const watchedSinceMs = Math.min(...records.map((r) => Date.parse(r.since)));
    if (alert.enteredAtMs < watchedSinceMs && !(await stillInAlarm(deps, alert))) {
      ignored.push({
        deploymentId,
        why: `stale event: the alarm entered ALARM at ${isoAt(alert.enteredAtMs)}, before this deployment watched it, and is no longer in ALARM`,
      });
      continue;
    }
    const targets = [...new Set(records.flatMap((r) => r.targets))].sort();
    for (const r of records) {
      await record(deps, deploymentId, {
        key: alarmStateKey(r.waveIndex, where, alert.alarmName, 'ALARM', alert.enteredAtMs),
        type: ALARM_STATE_CHANGED,
        wave: r.waveIndex,
        ...(r.targets.length === 1 ? { target: r.targets[0] } : {}),
        message: `alarm ${alert.alarmName} (${where}) is ALARM, watching ${r.targets.join(', ')}`,
        data: {
          alarm: alert.alarmName,
          where,
          state: 'ALARM',
          since: isoAt(alert.enteredAtMs),
          targets: [...r.targets],
        },
      });
    }
    const reason = `alarm ${alert.alarmName} (${where}) is in ALARM: ${alert.reason}`;
    const marked = await beginRollback(deps, deploymentId, {
      reason,
      alarm: alert.alarmName,
      alarmAt: isoAt(alert.enteredAtMs),
      triggeredBy: 'alarm-event',
    });
    if (marked.status !== 'rolling_back') {
      ignored.push({ deploymentId, why: `deployment is ${marked.status}` });
      continue;
    }
    await record(deps, deploymentId, {
      key: `alarm-event:${alert.account}/${alert.region}/${alert.alarmName}@${alert.enteredAtMs}`,
      type: 'rollback-triggered',
      message: `alarm watcher: ${reason} (watching ${targets.join(', ')}); rolling back`,
      data: {
        by: 'alarm-watcher',
        alarm: alert.alarmName,
        account: alert.account,
        region: alert.region,
        alarmAt: isoAt(alert.enteredAtMs),
        eventId: alert.eventId,
        targets,
      },
    });
    const pipeline = await loadPipeline(deps, marked.pipelineName, marked.pipelineVersion);
    // A target a newer change is rolling back is busy: the execution's RollBack step waits for it.
    const reverted = await revertTargets(deps, marked, pipeline, {});
    const current = await loadDeployment(deps, deploymentId);
    if (current.rollback && !current.rollback.trafficOffAt && reverted.every((r) => r.outcome !== 'busy')) {
      const trafficOffAt = isoNow(deps.clock);
      await deps.store.updateDeployment(deploymentId, {
        rollback: { ...current.rollback, trafficOffAt },
      });
      recordTrafficOff(deps, current, current.rollback, trafficOffAt);
    }
    rolledBack.push(deploymentId);
  }
  return { rolledBack, ignored };
}

async function stillInAlarm(deps: StepDeps, alert: AlarmAlert): Promise<boolean> {
  const [reading] = await deps.alarms.describeAlarms(alert, [alert.alarmName]);
  return reading?.state === 'ALARM';
}
