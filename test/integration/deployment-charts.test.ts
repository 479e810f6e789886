import { afterEach, describe, expect, it } from 'vitest';
import { getDeploymentDetail } from '../../src/api/deployments.js';
import { DeploymentDetailSchema } from '../../src/api/schemas.js';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { deploy, smallPipeline, startEngine } from '../support/fixtures.js';

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const T0 = Date.parse('2026-11-23T09:00:00Z');
const minutesIn = (iso: string) => (Date.parse(iso) - T0) / 60_000;

describe('the deployment page’s chart series, from a real run', () => {
  it('shows the hold, the one-box weight falling back to 0 and the alarm that fired, as recorded on the timeline', async () => {
    // GIVEN wave two held by a manual block from 20m to 50m, and b2's candidate failing from 53m
    const pipeline = smallPipeline();
    engine = await startEngine(pipeline, {
      blockers: [
        {
          kind: 'manual',
          scope: { kind: 'wave', pipeline: 'orders', wave: 'two' },
          reason: 'change freeze',
          author: 'ana',
          at: '20m',
          until: '50m',
        },
      ],
      faults: [{ targets: ['b2'], at: '53m', kind: 'sudden', errorRate: 0.2, version: 'candidate' }],
    });

    // WHEN the deployment runs and its detail is read as GET /deployments/{id} reads it
    const { view, deploymentId } = await deploy(engine, pipeline);
    const detail = await engine.io(() =>
      getDeploymentDetail({ store: engine!.store, clock: engine!.time.clock }, deploymentId),
    );
    const { charts } = detail;

    // THEN the response matches the documented schema
    expect(view.deployment.status).toBe('rolled_back');
    expect(() => DeploymentDetailSchema.parse(detail)).not.toThrow();

    // ... wave two waited for the block, and ran (planned vs actual) from when it was lifted
    const two = charts.waves[1]!;
    expect(two.holds).toHaveLength(1);
    expect(two.holds[0]!.reasons.join()).toMatch(/change freeze/);
    expect(minutesIn(two.holds[0]!.to)).toBeGreaterThanOrEqual(50);
    expect(Date.parse(two.actual!.start) - Date.parse(two.holds[0]!.to)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(two.actual!.start) - Date.parse(two.holds[0]!.to)).toBeLessThan(60_000);
    expect(two.planned!.start).toBe(charts.waves[0]!.planned!.end);
    expect(Date.parse(two.actual!.start)).toBeGreaterThan(Date.parse(two.planned!.start));
    expect(charts.waves[2]!.actual).toBeUndefined();
    expect(charts.waves[2]!.planned).toBeDefined();

    // ... b2 went to the one-box's 10% and back to 0; a1 went all the way, and back with the rollback
    const chartOf = (id: string) => charts.targets.find((t) => t.targetId === id)!;
    expect(chartOf('b2').weights.map((p) => p.weight)).toEqual([0, 10, 0]);
    expect(chartOf('a1').weights.map((p) => p.weight)).toEqual([0, 10, 50, 100, 0]);

    // ... and its one-box alarm's strip turns from OK to ALARM before the weight returns to 0
    const oneBox = chartOf('b2').alarms.find((a) => a.name === 'orders-onebox-b2')!;
    expect(oneBox.segments.map((s) => s.state)).toEqual(['OK', 'ALARM']);
    const alarmFrom = Date.parse(oneBox.segments[1]!.from);
    expect(alarmFrom).toBeLessThanOrEqual(Date.parse(chartOf('b2').weights[2]!.at));
    expect(minutesIn(oneBox.segments[1]!.from)).toBeGreaterThanOrEqual(53);
    expect(chartOf('a1').alarms.map((a) => a.segments.map((s) => s.state))).toEqual([['OK'], ['OK']]);

    // ... recorded on change only: per wave and alarm, no state is written twice in a row
    const states = new Map<string, string[]>();
    for (const e of view.events.filter((x) => x.type === 'alarm-state-changed')) {
      const key = `${e.wave}:${e.data?.where}/${e.data?.alarm}`;
      states.set(key, [...(states.get(key) ?? []), String(e.data?.state)]);
    }
    // an alarm OK at every check writes nothing: only b2's one-box alarm, which fired, has states
    expect([...states.keys()]).toEqual([expect.stringMatching(/^1:eu-west-1\/\d+\/orders-onebox-b2$/)]);
    for (const [, seen] of states) {
      expect(seen.every((s, i) => i === 0 || s !== seen[i - 1])).toBe(true);
    }
  });
});
