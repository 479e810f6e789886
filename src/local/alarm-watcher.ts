import { createAlarmStateHandler } from '../handlers/alarm-state.js';
import { ALARM_STATE_CHANGE_PATTERN, type AlarmStateChangeEvent } from '../ports/alarm-events.js';
import type { StepDeps } from '../workflow/deps.js';
import { type AlarmEventCounts, type AlarmEventDelivery, publishAlarmEvents } from './alarm-events.js';
import { type EventBusStats, LocalEventBus } from './event-bus.js';
import type { FleetSimulator } from './fleet/simulator.js';
import { localLambdaContext } from './lambda-context.js';
import type { VirtualTime } from './virtual-time.js';

/** The embedded alarm watcher: fleet → alarm events → local bus → the alarm-state Lambda handler. */
export interface LocalAlarmWatcher {
  readonly bus: LocalEventBus<AlarmStateChangeEvent>;
  /** Alarm changes found, events published and lost. */
  readonly events: () => AlarmEventCounts;
  /** Events put, matched, delivered, retried and dropped by the bus. */
  readonly deliveries: () => EventBusStats;
  /** Invocations of the watcher handler. */
  readonly invocations: () => number;
  stop(): void;
}

const CONTEXT = localLambdaContext('breakwater-AlarmWatcher');

/**
 * Wires the embedded engine the way the CDK app wires AWS: the simulated fleet publishes
 * CloudWatch's alarm state-change events (each minute boundary, as alarms are evaluated), a local
 * bus matches them against the same rule pattern the CDK rule uses, and the same alarm-state
 * handler runs in-process. With `delivery: 'lost'` no event reaches the bus, so only the
 * workflow's safety polls notice alarms.
 *
 * @example const watcher = connectAlarmWatcher({ time, fleet, deps, delivery: 'delivered' }); ... watcher.stop();
 */
export function connectAlarmWatcher(options: {
  readonly time: VirtualTime;
  readonly fleet: FleetSimulator;
  readonly deps: StepDeps;
  readonly delivery: AlarmEventDelivery;
}): LocalAlarmWatcher {
  const bus = new LocalEventBus<AlarmStateChangeEvent>({ time: options.time, log: options.deps.log });
  const handler = createAlarmStateHandler(() => options.deps);
  let invocations = 0;
  bus.addRule({
    name: 'AlarmStateChangeRule',
    eventPattern: ALARM_STATE_CHANGE_PATTERN,
    target: async (event) => {
      invocations++;
      await handler(event, CONTEXT);
    },
  });
  const publisher = publishAlarmEvents({
    time: options.time,
    fleet: options.fleet,
    bus,
    delivery: options.delivery,
    log: options.deps.log,
  });
  return {
    bus,
    events: () => publisher.counts,
    deliveries: () => bus.stats,
    invocations: () => invocations,
    stop: () => {
      publisher.stop();
      bus.close();
    },
  };
}
