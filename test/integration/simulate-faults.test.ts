import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/cli/simulate.js';
import { errorRateAlarm } from '../../src/local/scenario.js';
import { errorRateAlarms, smallPipeline, target } from '../support/fixtures.js';

describe('simulate with API faults from the start', () => {
  it('ends as a deployment outcome when PublishVersion throttles from the first call (the build is not faulted)', async () => {
    // Prepare: the scenario throttles PublishVersion at once; simulate's own build publishes the
    // candidate first, which is not one of Breakwater's calls.
    const pipeline = smallPipeline({ waves: [{ name: 'one', targets: [target('a1')] }] });

    // Act
    const result = await simulate(pipeline, {
      alarms: errorRateAlarms(),
      apiFaults: [{ api: 'PublishVersion', error: 'throttle', count: 1 }],
    });

    // Assess
    expect(result.outcome).toBe('succeeded');
  });
});

describe('simulate outcomes', () => {
  it('reports a deployment held past maxHold as expired, and the wave it never started as not started', async () => {
    // Prepare: wave two's region alarm is held in ALARM from the start, maxHold 2h
    const pipeline = smallPipeline({
      maxHold: '2h',
      waves: [
        { name: 'one', targets: [target('a1')] },
        { name: 'two', targets: [target('b1', 'eu-west-1')] },
      ],
    });

    // Act
    const result = await simulate(pipeline, {
      alarms: errorRateAlarms(),
      blockers: [{ kind: 'alarm', name: 'orders-errors-eu-west-1', region: 'eu-west-1', at: '0s' }],
    });

    // Assess
    expect(result.outcome).toBe('expired');
    expect(result.rollback?.triggeredBy).toBe('hold-expired');
    expect(result.waves.map((w) => [w.name, w.outcome])).toEqual([
      ['one', 'rolled_back'],
      ['two', 'not_started'],
    ]);
  });
});

describe('simulate --json events and organisation-wide alarms', () => {
  it('lists the deployment state changes as EventBridge delivers them, and holds waves on an organisation alarm', async () => {
    // Prepare: an organisation-wide freeze alarm in ALARM for the first 30 minutes
    const pipeline = smallPipeline({ waves: [{ name: 'one', targets: [target('a1')] }] });
    const alarms = errorRateAlarms();

    // Act
    const result = await simulate(pipeline, {
      alarms: { ...alarms, metric: [...alarms.metric, errorRateAlarm('org-freeze', 'alias')] },
      organisationAlarms: ['org-freeze'],
      blockers: [{ kind: 'alarm', name: 'org-freeze', region: 'us-east-1', at: '0s', until: '30m' }],
    });

    // Assess
    expect(result.outcome).toBe('succeeded');
    const statuses = result.events.map((e) => e.detail.status);
    expect(statuses[0]).toBe('deployment-started');
    expect(statuses.at(-1)).toBe('deployment-succeeded');
    expect(statuses).toContain('wave-blocked');
    expect(statuses).toContain('wave-unblocked');
    for (const e of result.events) {
      expect(e).toMatchObject({ source: 'breakwater', 'detail-type': 'Breakwater Deployment State Change' });
      expect(e.time).toBe(e.detail.at);
      expect(e.detail.deploymentId).toBe(result.deploymentId);
    }
    const blocked = result.events.find((e) => e.detail.status === 'wave-blocked')!;
    expect(blocked.detail.message).toMatch(/org-freeze/);
    const started = result.timeline.find((e) => e.type === 'wave-started')!;
    expect(Date.parse(started.at) - Date.parse(result.timeline[0]!.at)).toBeGreaterThanOrEqual(30 * 60_000);
  });
});
