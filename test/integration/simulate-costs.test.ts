import { describe, expect, it } from 'vitest';
import { renderSummary, simulate } from '../../src/cli/simulate.js';
import { estimateCost } from '../../src/core/cost.js';
import { errorRateAlarms, smallPipeline, target } from '../support/fixtures.js';

describe('simulate: AWS calls and estimated cost', () => {
  it('counts the AWS calls of a deployment and prices them, items adding up to the total', async () => {
    // Prepare: two waves in two regions, healthy.
    const pipeline = smallPipeline({
      waves: [
        { name: 'one', targets: [target('a1'), target('a2')] },
        { name: 'two', targets: [target('b1', 'eu-west-1')] },
      ],
    });

    // Act
    const result = await simulate(pipeline, { alarms: errorRateAlarms() });

    // Assess
    expect(result.outcome).toBe('succeeded');
    const { awsCalls, estimatedCostUsd, peakDescribeAlarmsPerSecond } = result.stats;
    expect(awsCalls.describeAlarms).toBeGreaterThan(0);
    expect(awsCalls.getMetricDataMetrics).toBeGreaterThan(0);
    expect(awsCalls.dynamodbReadUnits).toBeGreaterThan(0);
    expect(awsCalls.dynamodbWriteUnits).toBeGreaterThan(0);
    expect(awsCalls.stateTransitions).toBe(result.stats.stateTransitions);
    expect(awsCalls.lambdaInvocations).toBe(result.stats.lambdaInvocations);
    expect(awsCalls.eventBridgeEvents).toBeGreaterThan(0);

    const sum = Object.values(estimatedCostUsd.items).reduce((s, usd) => s + usd, 0);
    expect(estimatedCostUsd.total).toBeGreaterThan(0);
    expect(estimatedCostUsd.total).toBeCloseTo(sum, 9);
    expect(estimatedCostUsd).toEqual(estimateCost(awsCalls));

    expect(peakDescribeAlarmsPerSecond?.calls).toBeGreaterThanOrEqual(1);
    expect(peakDescribeAlarmsPerSecond?.perRegion.map((p) => p.region).sort()).toEqual([
      'eu-west-1',
      'us-east-1',
    ]);
    expect(peakDescribeAlarmsPerSecond?.region).toBe(peakDescribeAlarmsPerSecond?.perRegion[0]?.region);
    expect(result.rollback).toBeNull();

    const summary = renderSummary(result);
    expect(summary).toContain('AWS calls / estimated cost');
    expect(summary).toContain(`${awsCalls.describeAlarms} DescribeAlarms calls`);
  });

  it('passes the rollback alarm time through beside detection and traffic off', async () => {
    // Prepare: the candidate fails on a1 from the start of the one-box bake.
    const pipeline = smallPipeline({ waves: [{ name: 'one', targets: [target('a1')] }] });
    const scenario = {
      alarms: errorRateAlarms(),
      faults: [{ targets: ['a1'], at: '2m', kind: 'sudden' as const, errorRate: 0.5 }],
    };

    // Act
    const result = await simulate(pipeline, scenario);

    // Assess
    expect(result.outcome).toBe('rolled_back');
    const { alarmAt, detectedAt } = result.rollback ?? {};
    expect(alarmAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(alarmAt ?? '')).toBeGreaterThan(Date.parse('2026-11-23T09:02:00Z'));
    expect(Date.parse(alarmAt ?? '')).toBeLessThanOrEqual(Date.parse(detectedAt ?? ''));
    expect(renderSummary(result)).toContain(`alarm ${alarmAt}, detected ${detectedAt}`);
  });
});
