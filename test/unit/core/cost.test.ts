import { describe, expect, it } from 'vitest';
import { type AwsUsage, estimateCost, type PriceTable, US_EAST_1_PRICES } from '../../../src/core/cost.js';

const NONE: AwsUsage = {
  stateTransitions: 0,
  getMetricDataMetrics: 0,
  describeAlarms: 0,
  lambdaInvocations: 0,
  dynamodbReadUnits: 0,
  dynamodbWriteUnits: 0,
};

describe('estimateCost', () => {
  it.each([
    ['40,000 state transitions', { stateTransitions: 40_000 }, 'stateTransitions', 1],
    ['1,000 GetMetricData metrics', { getMetricDataMetrics: 1000 }, 'getMetricData', 0.01],
    ['1,000 DescribeAlarms requests', { describeAlarms: 1000 }, 'describeAlarms', 0.01],
    // $0.20 for the requests + 1M × 0.25 GB × 0.1 s × $0.0000133334 per GB-s.
    ['1M Lambda invocations at 256 MB × 100 ms', { lambdaInvocations: 1e6 }, 'lambda', 0.533335],
    ['1M read request units', { dynamodbReadUnits: 1e6 }, 'dynamodb', 0.125],
    ['1M write request units', { dynamodbWriteUnits: 1e6 }, 'dynamodb', 0.625],
    ['half a read unit (one small eventually consistent read)', { dynamodbReadUnits: 0.5 }, 'dynamodb', 0],
    ['1M EventBridge events', { eventBridgeEvents: 1e6 }, 'eventBridge', 1],
  ] as const)('prices %s at us-east-1 list prices', (_name, usage, item, usd) => {
    // Act
    const cost = estimateCost({ ...NONE, ...usage });

    // Assess
    expect(cost.items[item]).toBeCloseTo(usd, 9);
    expect(cost.total).toBeCloseTo(usd, 9);
  });

  it('adds the items up to the total, to the millionth of a dollar', () => {
    const cost = estimateCost({
      stateTransitions: 123_457,
      getMetricDataMetrics: 98_765,
      describeAlarms: 4321,
      lambdaInvocations: 33_333,
      dynamodbReadUnits: 55_555.5,
      dynamodbWriteUnits: 7777,
      eventBridgeEvents: 12,
    });

    const sum = Object.values(cost.items).reduce((s, v) => s + v, 0);
    expect(cost.total).toBeCloseTo(sum, 9);
    for (const amount of [cost.total, ...Object.values(cost.items)]) {
      expect(Math.round(amount * 1e6) / 1e6).toBe(amount);
    }
  });

  it('has no EventBridge item when no EventBridge count is given', () => {
    expect(estimateCost(NONE).items).not.toHaveProperty('eventBridge');
    expect(estimateCost({ ...NONE, eventBridgeEvents: 0 }).items).toHaveProperty('eventBridge', 0);
  });

  it('costs nothing for no usage', () => {
    expect(estimateCost(NONE).total).toBe(0);
  });

  it('returns the price table it used, so the document says what it assumed', () => {
    expect(estimateCost(NONE).prices).toEqual(US_EAST_1_PRICES);
    expect(US_EAST_1_PRICES).toMatchObject({
      region: 'us-east-1',
      lambdaMemoryMb: 256,
      lambdaDurationMs: 100,
    });
  });

  it('uses the price table it is given', () => {
    const doubled: PriceTable = {
      ...US_EAST_1_PRICES,
      region: 'elsewhere',
      stepFunctionsPer1kStateTransitions: 0.05,
      lambdaDurationMs: 200,
    };

    const cost = estimateCost({ ...NONE, stateTransitions: 1000, lambdaInvocations: 1e6 }, doubled);

    expect(cost.items.stateTransitions).toBeCloseTo(0.05, 9);
    expect(cost.items.lambda).toBeCloseTo(0.2 + 1e6 * 0.25 * 0.2 * 0.0000133334, 6);
    expect(cost.prices.region).toBe('elsewhere');
  });

  it.each([
    ['negative', -1],
    ['not a number', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('rejects a %s count and names it', (_name, value) => {
    expect(() => estimateCost({ ...NONE, describeAlarms: value })).toThrow(
      /usage\.describeAlarms: expected a count of 0 or more, got/,
    );
  });
});
