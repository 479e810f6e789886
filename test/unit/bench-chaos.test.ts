import { describe, expect, it } from 'vitest';
import { missedAlarms } from '../../bench/chaos/missed-alarms.js';
import { Random } from '../../bench/chaos/random.js';
import { randomWorld } from '../../bench/chaos/scenarios.js';
import type { AlarmChange } from '../../src/local/fleet/alarms.js';
import { FleetSimulator } from '../../src/local/fleet/simulator.js';
import { parseScenario } from '../../src/local/scenario.js';
import type { DeploymentView } from '../../src/ports/store.js';

describe('chaos benchmark generator', () => {
  it('draws the same numbers from the same seed', () => {
    // GIVEN two generators with one seed WHEN each draws THEN they agree, within range
    const a = new Random(42);
    const b = new Random(42);
    const draws = Array.from({ length: 100 }, () => [a.int(1, 6), b.int(1, 6)]);
    expect(draws.every(([x, y]) => x === y && x! >= 1 && x! <= 6)).toBe(true);
    expect(new Random(43).next()).not.toBe(new Random(42).next());
  });

  it('generates worlds whose scenarios the product accepts, selectors included', () => {
    const random = new Random(7);
    for (let i = 0; i < 300; i++) {
      const world = randomWorld(new Random(random.seed()));
      const scenario = parseScenario(world.scenario);
      const targets = world.pipeline.waves.flatMap((w) => w.targets.map((t) => ({ ...t, waveName: w.name })));
      // The fleet checks every selector and per-target traffic against the targets.
      expect(
        () => new FleetSimulator({ clock: { nowMs: () => scenario.startMs }, scenario, targets }),
      ).not.toThrow();
    }
  });
});

describe('missedAlarms', () => {
  const world = randomWorld(new Random(1));
  const pipeline = world.pipeline;
  const wave = pipeline.waves[0]!;
  const target = wave.targets[0]!;
  const t0 = Date.parse('2026-11-23T09:00:00Z');
  const iso = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
  const events = [
    { key: `step:0:${target.id}:0`, type: 'one-box-started', at: iso(0) },
    { key: 'wave-bake-started:0', type: 'wave-bake-started', at: iso(20) },
    { key: 'wave-succeeded:0', type: 'wave-succeeded', at: iso(60) },
  ].map((e) => ({ ...e, deploymentId: 'd1', message: '' }));
  const view = {
    deployment: { id: 'd1', status: 'succeeded' },
    waves: [],
    targets: [],
    events,
    overrides: [],
  } as unknown as DeploymentView;
  const alarm = wave.alarms.rollback[0]!.replace('{target.region}', target.region).replace(
    '{target.id}',
    target.id,
  );
  const change = (minutes: number, to: AlarmChange['to']) =>
    ({
      name: alarm,
      kind: 'metric',
      account: target.account,
      region: target.region,
      from: 'OK',
      to,
      atMs: t0 + minutes * 60_000,
    }) as AlarmChange;

  it('reports a succeeded deployment whose watched alarm entered ALARM mid-wave with events delivered', () => {
    const found = missedAlarms(pipeline, { alarmEvents: 'delivered' }, view, [
      change(30, 'ALARM'),
      change(32, 'OK'),
    ]);
    expect(found.judged).toBe(1);
    expect(found.missed).toHaveLength(1);
    expect(found.missed[0]).toContain(alarm);
  });

  it('does not judge an alarm that entered ALARM after the wave ended, nor a short one with events lost', () => {
    expect(missedAlarms(pipeline, { alarmEvents: 'delivered' }, view, [change(61, 'ALARM')]).missed).toEqual(
      [],
    );
    const short = missedAlarms(pipeline, { alarmEvents: 'lost' }, view, [
      change(30, 'ALARM'),
      change(31, 'OK'),
    ]);
    expect(short).toEqual({ judged: 1, missed: [] });
  });

  it('does not judge a deployment that rolled back', () => {
    const rolledBack = {
      ...view,
      deployment: { ...view.deployment, status: 'rolled_back' },
    } as DeploymentView;
    expect(missedAlarms(pipeline, {}, rolledBack, [change(30, 'ALARM')])).toEqual({ judged: 0, missed: [] });
  });
});
