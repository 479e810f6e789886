/*
 * What a deployment would cost on AWS, from the calls it made: a pure estimate from counts and a
 * price table, so the embedded engine, the CLI and the bench price a run the same way. Only
 * usage-priced items are included (no storage, no free tier, no data transfer); docs/benchmarks.md
 * lists each price with the page it comes from.
 */

/** What one run used, in the units AWS bills. */
export interface AwsUsage {
  /** Step Functions Standard state transitions (every state entered, retries included). */
  readonly stateTransitions: number;
  /** CloudWatch GetMetricData: metrics requested (each query of a call is one). */
  readonly getMetricDataMetrics: number;
  /** CloudWatch DescribeAlarms API requests. */
  readonly describeAlarms: number;
  /** Lambda invocations of the step functions. */
  readonly lambdaInvocations: number;
  /** DynamoDB on-demand read request units. */
  readonly dynamodbReadUnits: number;
  /** DynamoDB on-demand write request units. */
  readonly dynamodbWriteUnits: number;
  /** EventBridge custom events published (one per entry up to 64 KB); no EventBridge item when absent. */
  readonly eventBridgeEvents?: number;
}

/** Prices in USD, in the units AWS's pricing pages quote them, plus the Lambda size assumed. */
export interface PriceTable {
  /** The region the prices are for. */
  readonly region: string;
  /** When the prices were read from AWS's pricing pages (ISO date). */
  readonly checkedOn: string;
  readonly stepFunctionsPer1kStateTransitions: number;
  readonly getMetricDataPer1kMetrics: number;
  /** CloudWatch API requests other than GetMetricData, GetInsightRuleReport and GetMetricWidgetImage. */
  readonly cloudWatchApiPer1kRequests: number;
  readonly lambdaPer1mRequests: number;
  readonly lambdaPerGbSecond: number;
  /** Assumed memory of every step function (the CDK construct's default). */
  readonly lambdaMemoryMb: number;
  /** Assumed billed duration of one step invocation. */
  readonly lambdaDurationMs: number;
  readonly dynamodbPer1mReadUnits: number;
  readonly dynamodbPer1mWriteUnits: number;
  readonly eventBridgePer1mEvents: number;
}

/**
 * us-east-1 list prices, read on 2026-12-01 (sources in docs/benchmarks.md). Lambda: arm64 (the
 * CDK construct's architecture) at its first duration tier, 256 MB (the construct's default
 * memory) and an assumed 100 ms per step invocation — the simulation does not measure Lambda
 * duration.
 */
export const US_EAST_1_PRICES: PriceTable = {
  region: 'us-east-1',
  checkedOn: '2026-12-01',
  stepFunctionsPer1kStateTransitions: 0.025,
  getMetricDataPer1kMetrics: 0.01,
  cloudWatchApiPer1kRequests: 0.01,
  lambdaPer1mRequests: 0.2,
  lambdaPerGbSecond: 0.0000133334,
  lambdaMemoryMb: 256,
  lambdaDurationMs: 100,
  dynamodbPer1mReadUnits: 0.125,
  dynamodbPer1mWriteUnits: 0.625,
  eventBridgePer1mEvents: 1,
};

/** USD per priced item. */
export interface CostItems {
  readonly stateTransitions: number;
  readonly getMetricData: number;
  readonly describeAlarms: number;
  /** Requests plus the assumed duration. */
  readonly lambda: number;
  /** Read and write request units. */
  readonly dynamodb: number;
  readonly eventBridge?: number;
}

export interface CostEstimate {
  /** The sum of `items`, in USD. */
  readonly total: number;
  readonly items: CostItems;
  readonly prices: PriceTable;
}

/** Amounts are kept to a millionth of a dollar: far below any price here, and readable JSON. */
const usd = (amount: number): number => Math.round(amount * 1e6) / 1e6;

/**
 * Prices `usage` with `prices`. Each item is rounded to a millionth of a dollar and `total` is
 * the sum of the rounded items, so the document adds up.
 *
 * @example
 * const cost = estimateCost({ stateTransitions: 40_000, getMetricDataMetrics: 0, describeAlarms: 0,
 *   lambdaInvocations: 0, dynamodbReadUnits: 0, dynamodbWriteUnits: 0 });
 * cost.items.stateTransitions; // 1 (USD)
 */
export function estimateCost(usage: AwsUsage, prices: PriceTable = US_EAST_1_PRICES): CostEstimate {
  for (const [name, value] of Object.entries(usage)) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`usage.${name}: expected a count of 0 or more, got ${String(value)}`);
    }
  }
  const lambdaGbSeconds =
    usage.lambdaInvocations * (prices.lambdaMemoryMb / 1024) * (prices.lambdaDurationMs / 1000);
  const items: CostItems = {
    stateTransitions: usd((usage.stateTransitions / 1000) * prices.stepFunctionsPer1kStateTransitions),
    getMetricData: usd((usage.getMetricDataMetrics / 1000) * prices.getMetricDataPer1kMetrics),
    describeAlarms: usd((usage.describeAlarms / 1000) * prices.cloudWatchApiPer1kRequests),
    lambda: usd(
      (usage.lambdaInvocations / 1e6) * prices.lambdaPer1mRequests +
        lambdaGbSeconds * prices.lambdaPerGbSecond,
    ),
    dynamodb: usd(
      (usage.dynamodbReadUnits / 1e6) * prices.dynamodbPer1mReadUnits +
        (usage.dynamodbWriteUnits / 1e6) * prices.dynamodbPer1mWriteUnits,
    ),
    ...(usage.eventBridgeEvents === undefined
      ? {}
      : { eventBridge: usd((usage.eventBridgeEvents / 1e6) * prices.eventBridgePer1mEvents) }),
  };
  const total = usd(Object.values(items).reduce((sum: number, amount: number) => sum + amount, 0));
  return { total, items, prices };
}
