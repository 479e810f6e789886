import { FleetSimulator, type FleetTarget } from '../../../src/local/fleet/index.js';
import { parseScenario, type ScenarioInput } from '../../../src/local/scenario.js';
import type { Clock } from '../../../src/ports/clock.js';

export const ACCOUNT = '111122223333';
export const START = '2026-11-23T09:00:00Z';
export const START_MS = Date.parse(START);
export const MINUTE = 60_000;

/** A clock the test moves by hand. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function manualClock(startMs = START_MS): ManualClock {
  let now = startMs;
  return {
    nowMs: () => now,
    advance: (ms) => {
      now += ms;
    },
    set: (ms) => {
      now = ms;
    },
  };
}

export function target(id: string, overrides: Partial<FleetTarget> = {}): FleetTarget {
  return {
    id,
    waveName: 'wave-1',
    account: ACCOUNT,
    region: 'us-east-1',
    functionName: 'payments',
    alias: `live-${id}`,
    ...overrides,
  };
}

export function fleetWith(
  scenario: ScenarioInput,
  targets: readonly FleetTarget[] = [target('use1')],
  clock: ManualClock = manualClock(),
): { fleet: FleetSimulator; clock: ManualClock; targets: readonly FleetTarget[] } {
  const fleet = new FleetSimulator({
    clock,
    scenario: parseScenario({ start: START, ...scenario }),
    targets,
  });
  return { fleet, clock, targets };
}

/** Publishes new code and routes `weight` (0..1) of the target's traffic to it. */
export async function startOneBox(fleet: FleetSimulator, t: FleetTarget, weight: number): Promise<string> {
  const published = await fleet.publishVersion(t, {
    code: { s3Bucket: 'artifacts', s3Key: 'payments/v2.zip' },
    description: 'change 2',
  });
  const alias = await fleet.getAlias(t);
  await fleet.updateAlias(t, {
    functionVersion: alias.functionVersion,
    additional: { version: published.version, weight },
    revisionId: alias.revisionId,
  });
  return published.version;
}

export async function stateOf(fleet: FleetSimulator, t: FleetTarget, name: string) {
  const [reading] = await fleet.describeAlarms(t, [name]);
  return reading;
}
