import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../src/cli/metrics.js';
import { computeDeliveryMetrics } from '../../src/core/delivery-metrics.js';
import { HISTORY, METRICS_PIPELINE, NOW, PERIOD } from '../support/metrics-history.js';

describe('renderMetrics (breakwater metrics)', () => {
  const metrics = computeDeliveryMetrics(
    HISTORY.filter((d) => d.createdAt < PERIOD.to),
    { fromMs: Date.parse(PERIOD.from), toMs: Date.parse(PERIOD.to), nowMs: Date.parse(NOW), bucket: 'day' },
    HISTORY.find((d) => d.id === 'metrics-H'),
  );

  it('prints one line per figure of the seeded week, then a bar per day', () => {
    const lines = renderMetrics({ pipeline: METRICS_PIPELINE, ...metrics }).split('\n');

    expect(lines.slice(0, 8)).toEqual([
      'Delivery metrics of metrics-demo: 2026-11-02 00:00 → 2026-11-09 00:00 UTC (7 days)',
      '  deployments          10: 3 succeeded, 4 failed, 1 in progress, 2 not judged',
      '  frequency            0.4286 a day, 3 a week',
      "  lead time            median 2h30m, p90 3h (3) (2 from the change's time, 1 from the deployment start)",
      '  change failure rate  57.1% (4 of 7): alarm-event 1, release-rollback 1, stopped 1, vetoed 1',
      '  restore: traffic off median 1m, p90 2m (3)',
      '  restore: next good   median 1d7h30m, p90 2d14h30m (4)',
      '  held by blockers     window 1h15m, alarm 1h5m, manual 1h, pipelining 20m (4 deployment(s))',
    ]);
    expect(lines.slice(9)).toEqual([
      '  per day (# succeeded, x failed, ~ in progress, . not judged)',
      '  2026-11-02  # 1',
      '  2026-11-03  #x 2',
      '  2026-11-04  x 1',
      '  2026-11-05  #. 2',
      '  2026-11-06  x. 2',
      '  2026-11-07  x 1',
      '  2026-11-08  ~ 1',
    ]);
  });

  it('says n/a where nothing was measured', () => {
    const none = computeDeliveryMetrics([], {
      fromMs: Date.parse(PERIOD.from),
      toMs: Date.parse(PERIOD.to),
      nowMs: Date.parse(NOW),
      bucket: 'week',
    });
    const text = renderMetrics({ pipeline: 'quiet', ...none });

    expect(text).toContain('change failure rate  n/a (nothing judged)');
    expect(text).toContain('lead time            n/a (none)');
    expect(text).toContain('held by blockers     never');
  });
});
