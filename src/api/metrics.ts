import {
  computeDeliveryMetrics,
  type DeliveryMetrics,
  type MetricsBucket,
  needsLaterRelease,
} from '../core/delivery-metrics.js';
import { type InputIssue, InvalidInputError } from '../core/errors.js';
import { isoAt } from '../ports/clock.js';
import type { ApiDeps } from './deps.js';
import { getPipeline } from './pipelines.js';
import type { MetricsQuery } from './schemas.js';

const DAY_MS = 86_400_000;
/** Without `from`, the period is the last 30 days. */
export const DEFAULT_METRICS_DAYS = 30;
/** The longest period one request may ask for. */
export const MAX_METRICS_DAYS = 366;
/** Without `bucket`, periods up to this many days are charted per day, longer ones per week. */
const DAILY_UP_TO_DAYS = 62;

/** `GET /pipelines/{name}/metrics`: the figures and the pipeline they are for. */
export interface PipelineMetrics extends DeliveryMetrics {
  readonly pipeline: string;
}

/** A period resolved from the query: instants in ms and as the store's ISO form. */
export interface ResolvedPeriod {
  readonly fromMs: number;
  readonly toMs: number;
  readonly from: string;
  readonly to: string;
  readonly bucket: MetricsBucket;
}

/**
 * The period a metrics query asks for: `to` defaults to now (the Clock), `from` to 30 days
 * before `to`; `from` must come before `to`, and the period may not exceed 366 days. Errors name
 * the query parameter, the value received and what was expected.
 *
 * @example resolveMetricsPeriod({}, Date.parse('2026-11-30T00:00:00Z')).from // '2026-10-31T00:00:00.000Z'
 */
export function resolveMetricsPeriod(query: MetricsQuery, nowMs: number): ResolvedPeriod {
  const toMs = query.to !== undefined ? Date.parse(query.to) : nowMs;
  const fromMs = query.from !== undefined ? Date.parse(query.from) : toMs - DEFAULT_METRICS_DAYS * DAY_MS;
  const issues: InputIssue[] = [];
  if (fromMs >= toMs) {
    issues.push({
      path: query.from !== undefined ? 'query.from' : 'query.to',
      message: `expected from (${isoAt(fromMs)}) to come before to (${isoAt(toMs)})`,
      received: query.from ?? query.to,
    });
  } else if (toMs - fromMs > MAX_METRICS_DAYS * DAY_MS) {
    issues.push({
      path: 'query.from',
      message: `expected a period of at most ${MAX_METRICS_DAYS} days; from ${isoAt(fromMs)} to ${isoAt(toMs)} is ${Math.ceil((toMs - fromMs) / DAY_MS)} days`,
      received: query.from ?? isoAt(fromMs),
    });
  }
  if (issues.length > 0) throw new InvalidInputError('request query', issues);
  return {
    fromMs,
    toMs,
    from: isoAt(fromMs),
    to: isoAt(toMs),
    bucket: query.bucket ?? ((toMs - fromMs) / DAY_MS <= DAILY_UP_TO_DAYS ? 'day' : 'week'),
  };
}

/**
 * Delivery metrics of one pipeline over a period (definitions in docs/metrics.md). At most two
 * store reads when the pipeline has deployments in the period: its deployments created in the
 * period (one Query, paginated), and — only when a failure is not followed by a succeeded
 * deployment within the period — the first succeeded deployment created after it (one Query).
 * An empty period costs a read of the pipeline instead, so that an unknown name is a 404.
 *
 * @example await getDeliveryMetrics(deps, 'payments', { from: '2026-11-01T00:00:00Z' })
 */
export async function getDeliveryMetrics(
  deps: Pick<ApiDeps, 'store' | 'clock'>,
  name: string,
  query: MetricsQuery,
): Promise<PipelineMetrics> {
  const nowMs = deps.clock.nowMs();
  const period = resolveMetricsPeriod(query, nowMs);
  const deployments = await deps.store.listDeploymentsCreatedBetween(name, period.from, period.to);
  if (deployments.length === 0) await getPipeline(deps, name);
  const later = needsLaterRelease(deployments)
    ? await deps.store.firstSucceededDeploymentFrom(name, period.to)
    : undefined;
  return {
    pipeline: name,
    ...computeDeliveryMetrics(deployments, { ...period, nowMs }, later),
  };
}
