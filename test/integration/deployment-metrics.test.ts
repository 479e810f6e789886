import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedEngine } from '../../src/local/engine.js';
import { deploy, smallPipeline, startEngine } from '../support/fixtures.js';
import { RecordedMetrics } from '../support/recorded-metrics.js';

/*
 * The workflow counts what happened as it commits it: one data point per fact, with the pipeline
 * as dimension, whichever step (or the alarm watcher) committed it.
 */

let engine: EmbeddedEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('deployment metrics on the embedded engine', () => {
  it('counts a healthy deployment once as started and once as succeeded, with its lead time and bake verdicts', async () => {
    const pipeline = smallPipeline();
    const metrics = new RecordedMetrics();
    engine = await startEngine(pipeline, {}, [], { deploymentMetrics: metrics });

    const { view } = await deploy(engine, pipeline);

    expect(view.deployment.status).toBe('succeeded');
    expect(metrics.named('DeploymentsStarted')).toEqual([
      { name: 'DeploymentsStarted', value: 1, unit: 'Count', dimensions: { pipeline: 'orders' } },
    ]);
    expect(metrics.named('DeploymentsSucceeded')).toHaveLength(1);
    expect(metrics.named('DeploymentsRolledBack')).toEqual([]);
    const [lead] = metrics.named('LeadTimeSeconds');
    const expected = (Date.parse(view.deployment.endedAt!) - Date.parse(view.deployment.createdAt)) / 1000;
    expect(lead).toMatchObject({ unit: 'Seconds', value: expected, dimensions: { pipeline: 'orders' } });
    expect(expected).toBeGreaterThan(60);
    const verdicts = metrics.named('BakeVerdicts').map((p) => p.dimensions.verdict);
    expect(verdicts.length).toBeGreaterThan(0);
    expect(new Set(verdicts)).toEqual(new Set(['baked']));
    expect(metrics.named('AlarmToTrafficOffSeconds')).toEqual([]);
  });

  it('counts a rollback once and how long traffic stayed on after the alarm fired', async () => {
    const pipeline = smallPipeline();
    const metrics = new RecordedMetrics();
    engine = await startEngine(
      pipeline,
      { faults: [{ targets: ['b2'], at: '38m', kind: 'sudden', errorRate: 0.2, version: 'candidate' }] },
      [],
      { deploymentMetrics: metrics },
    );

    const { view } = await deploy(engine, pipeline);

    expect(view.deployment.status).toBe('rolled_back');
    expect(metrics.named('DeploymentsRolledBack')).toEqual([
      {
        name: 'DeploymentsRolledBack',
        value: 1,
        unit: 'Count',
        dimensions: { pipeline: 'orders', outcome: 'rolled_back' },
      },
    ]);
    expect(metrics.named('DeploymentsSucceeded')).toEqual([]);
    const rollback = view.deployment.rollback!;
    const [off] = metrics.named('AlarmToTrafficOffSeconds');
    expect(metrics.named('AlarmToTrafficOffSeconds')).toHaveLength(1);
    expect(off?.value).toBe((Date.parse(rollback.trafficOffAt!) - Date.parse(rollback.alarmAt!)) / 1000);
    expect(off?.value).toBeGreaterThanOrEqual(0);
  });
});
