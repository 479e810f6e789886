import { EmbeddedEngine } from '../../src/local/engine.js';
import type { AlarmChange } from '../../src/local/fleet/alarms.js';
import type { FunctionVersion } from '../../src/local/fleet/lambda.js';
import type { AliasRouting } from '../../src/local/fleet/simulator.js';
import type { DeploymentView, TimelineEvent } from '../../src/ports/store.js';

/*
 * `simulate()` builds its engine, runs one deployment and closes the engine before it returns;
 * its result keeps neither the timeline's keys nor the aliases' routing. The probe wraps
 * EmbeddedEngine.start for the next run only: it records every timeline write with the virtual
 * clock at that moment and every alarm state change, and just before the engine closes it reads
 * the deployment's stored view and each alias's routing and versions. Nothing of the product is
 * changed: the same objects are observed.
 */

export interface TimelineWrite {
  readonly event: TimelineEvent;
  /** The virtual clock when the store was asked to write it. */
  readonly nowMs: number;
}

export interface EngineObservation {
  readonly writes: TimelineWrite[];
  readonly alarmChanges: AlarmChange[];
  /** The deployment as stored when the engine closed (every deployment the store holds). */
  views: DeploymentView[];
  /** Per target id: routing and versions when the engine closed. */
  readonly fleet: Map<string, { routing: AliasRouting; versions: readonly FunctionVersion[] }>;
  /** Top-level and child executions that ended FAILED: `machine name: error`. */
  failedExecutions: string[];
  /** What went wrong while observing (a bug of the probe, never of the product). */
  probeErrors: string[];
}

const originalStart = EmbeddedEngine.start.bind(EmbeddedEngine);
let pending: EngineObservation | undefined;

EmbeddedEngine.start = async (options) => {
  const engine = await originalStart(options);
  const observation = pending;
  pending = undefined;
  if (!observation) return engine;
  // simulate() sets its own listener only when given onEvent; the bench passes none, so the
  // probe's listener is the store's only one.
  engine.store.listener = (event) => observation.writes.push({ event, nowMs: engine.time.nowMs() });
  engine.fleet.onAlarmChange((change) => observation.alarmChanges.push(change));
  const close = engine.close.bind(engine);
  engine.close = async () => {
    try {
      const ids = [...new Set(observation.writes.map((w) => w.event.deploymentId))];
      for (const id of ids) {
        const view = await engine.io(() => engine.store.getDeploymentView(id));
        if (view) observation.views.push(view);
      }
      for (const pipeline of options.pipelines)
        for (const t of pipeline.waves.flatMap((w) => w.targets))
          observation.fleet.set(t.id, {
            routing: engine.fleet.routing(t.id),
            versions: engine.fleet.versions(t.id),
          });
      observation.failedExecutions = engine.stepFunctions.executions
        .filter((e) => e.status === 'FAILED')
        .map((e) => `${e.machine} ${e.name}: ${e.error ?? '?'}`);
    } catch (error) {
      observation.probeErrors.push(String((error as Error)?.stack ?? error));
    } finally {
      await close();
    }
  };
  return engine;
};

/** Observes the next EmbeddedEngine started (the next `simulate()` call). */
export function observeNextEngine(): EngineObservation {
  pending = {
    writes: [],
    alarmChanges: [],
    views: [],
    fleet: new Map(),
    failedExecutions: [],
    probeErrors: [],
  };
  return pending;
}
