import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import type { AlarmChange } from '../../../src/local/fleet/index.js';
import type { ScenarioInput } from '../../../src/local/scenario.js';
import { ACCOUNT, fleetWith, MINUTE, START_MS, startOneBox, stateOf, target } from './fixtures.js';

const use1 = target('use1');
const errorsAlarm = {
  name: 'errors-{target.id}',
  metric: 'Errors',
  threshold: 10,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
} as const;

/** Minutes until `name` goes to ALARM, reading every minute as the engine would. */
async function minutesUntilAlarm(
  scenario: ScenarioInput,
  name: string,
  weight = 0.1,
  limit = 600,
): Promise<number> {
  const { fleet, clock } = fleetWith(scenario, [use1]);
  await startOneBox(fleet, use1, weight);
  for (let minute = 1; minute <= limit; minute++) {
    clock.advance(MINUTE);
    if ((await stateOf(fleet, use1, name))?.state === 'ALARM') return minute;
  }
  return Number.POSITIVE_INFINITY;
}

describe('simulated CloudWatch metric alarms', () => {
  it('starts every alarm in INSUFFICIENT_DATA', async () => {
    const { fleet } = fleetWith({ alarms: { metric: [errorsAlarm] } }, [use1]);
    expect(await stateOf(fleet, use1, 'errors-use1')).toMatchObject({
      name: 'errors-use1',
      kind: 'metric',
      state: 'INSUFFICIENT_DATA',
      updatedAtMs: START_MS,
    });
  });

  it('goes OK at the first period boundary with healthy traffic', async () => {
    const { fleet, clock } = fleetWith({ alarms: { metric: [errorsAlarm] } }, [use1]);
    clock.advance(MINUTE);
    expect(await stateOf(fleet, use1, 'errors-use1')).toMatchObject({
      state: 'OK',
      updatedAtMs: START_MS + MINUTE,
    });
  });

  it('alarms within its evaluation periods of a sudden fault, with the time of the change', async () => {
    const { fleet, clock } = fleetWith(
      {
        baseline: { errorRate: 0, latencyMs: 100 },
        alarms: { metric: [errorsAlarm] },
        faults: [{ at: '20m', kind: 'sudden', errorRate: 0.5 }],
      },
      [use1],
    );
    await startOneBox(fleet, use1, 0.1);
    clock.advance(60 * MINUTE);
    const reading = await stateOf(fleet, use1, 'errors-use1');
    expect(reading?.state).toBe('ALARM');
    // Minutes 20 and 21 breach (60 candidate invocations, half failing); 2 of 3 is reached when minute 21 ends.
    expect(reading?.updatedAtMs).toBe(START_MS + 22 * MINUTE);
    expect(reading?.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [30.0 (23/11/26 09:21:00), 30.0 (23/11/26 09:20:00)] ' +
        'were greater than the threshold (10.0) ' +
        '(minimum 2 datapoints for OK -> ALARM transition).',
    );
  });

  it('alarms later on a slow burn than on a sudden fault of the same strength', async () => {
    const scenario = (kind: 'sudden' | 'slow-burn'): ScenarioInput => ({
      alarms: { metric: [errorsAlarm] },
      faults: [{ at: '10m', kind, ramp: '1h', errorRate: 0.5 }],
    });
    const sudden = await minutesUntilAlarm(scenario('sudden'), 'errors-use1');
    const slow = await minutesUntilAlarm(scenario('slow-burn'), 'errors-use1');
    expect(sudden).toBe(12);
    expect(slow).toBeGreaterThan(sudden + 5);
    expect(slow).toBeLessThan(10 + 60);
  });

  it('ignores baseline errors in a new-version scoped alarm', async () => {
    const alarms: ScenarioInput['alarms'] = {
      metric: [
        {
          name: 'onebox-{target.id}',
          metric: 'ErrorRate',
          scope: 'new-version',
          threshold: 5,
          evaluationPeriods: 2,
        },
        { name: 'alias-{target.id}', metric: 'ErrorRate', threshold: 5, evaluationPeriods: 2 },
      ],
    };
    const { fleet, clock } = fleetWith(
      { alarms, faults: [{ at: '5m', kind: 'sudden', version: 'baseline', errorRate: 0.5 }] },
      [use1],
    );
    await startOneBox(fleet, use1, 0.1);
    clock.advance(30 * MINUTE);
    expect((await stateOf(fleet, use1, 'onebox-use1'))?.state).toBe('OK');
    expect((await stateOf(fleet, use1, 'alias-use1'))?.state).toBe('ALARM');
  });

  it('fires a new-version scoped alarm on candidate errors that the alias-wide rate dilutes', async () => {
    const alarms: ScenarioInput['alarms'] = {
      metric: [
        {
          name: 'onebox-{target.id}',
          metric: 'ErrorRate',
          scope: 'new-version',
          threshold: 5,
          evaluationPeriods: 2,
        },
        { name: 'alias-{target.id}', metric: 'ErrorRate', threshold: 5, evaluationPeriods: 2 },
      ],
    };
    const { fleet, clock } = fleetWith({ alarms, faults: [{ at: '5m', kind: 'sudden', errorRate: 0.2 }] }, [
      use1,
    ]);
    await startOneBox(fleet, use1, 0.1);
    clock.advance(30 * MINUTE);
    expect((await stateOf(fleet, use1, 'onebox-use1'))?.state).toBe('ALARM');
    expect((await stateOf(fleet, use1, 'alias-use1'))?.state).toBe('OK');
  });

  it('has no data for the candidate before it gets traffic', async () => {
    const alarms: ScenarioInput['alarms'] = {
      metric: [
        { name: 'onebox', metric: 'Errors', scope: 'new-version', threshold: 1, treatMissingData: 'missing' },
      ],
    };
    const { fleet, clock } = fleetWith({ alarms }, [use1]);
    const v2 = (await fleet.publishVersion(use1, { code: { imageUri: 'repo:v2' }, description: 'v2' }))
      .version;
    const alias = await fleet.getAlias(use1);
    await fleet.updateAlias(use1, {
      functionVersion: '1',
      additional: { version: v2, weight: 0 },
      revisionId: alias.revisionId,
    });
    clock.advance(10 * MINUTE);
    expect((await stateOf(fleet, use1, 'onebox'))?.state).toBe('INSUFFICIENT_DATA');
  });

  it('returns to OK after a rollback takes traffic off the faulty version', async () => {
    const { fleet, clock } = fleetWith(
      { alarms: { metric: [errorsAlarm] }, faults: [{ at: '0s', kind: 'sudden', errorRate: 0.5 }] },
      [use1],
    );
    await startOneBox(fleet, use1, 0.1);
    clock.advance(5 * MINUTE);
    expect((await stateOf(fleet, use1, 'errors-use1'))?.state).toBe('ALARM');
    const alias = await fleet.getAlias(use1);
    await fleet.updateAlias(use1, { functionVersion: '1', additional: null, revisionId: alias.revisionId });
    clock.advance(5 * MINUTE);
    expect((await stateOf(fleet, use1, 'errors-use1'))?.state).toBe('OK');
  });

  it('covers every target of a region with one alarm when the name has no target placeholder', async () => {
    const targets = [target('use1-a'), target('use1-b'), target('usw2', { region: 'us-west-2' })];
    const { fleet, clock } = fleetWith(
      {
        alarms: { metric: [{ name: 'regional-invocations', metric: 'Invocations', threshold: 1000 }] },
        traffic: { requestsPerMinute: 600 },
      },
      targets,
    );
    clock.advance(MINUTE);
    expect((await fleet.describeAlarms(targets[0]!, ['regional-invocations']))[0]?.state).toBe('ALARM');
    expect((await fleet.describeAlarms(targets[2]!, ['regional-invocations']))[0]?.state).toBe('OK');
    expect(fleet.alarmStates().map((a) => [a.region, a.name, a.targetIds])).toEqual([
      ['us-east-1', 'regional-invocations', ['use1-a', 'use1-b']],
      ['us-west-2', 'regional-invocations', ['usw2']],
    ]);
  });

  it('answers DescribeAlarms only with alarms of the requested account and region', async () => {
    const targets = [use1, target('usw2', { region: 'us-west-2' })];
    const { fleet } = fleetWith({ alarms: { metric: [errorsAlarm] } }, targets);
    const east = await fleet.describeAlarms({ account: ACCOUNT, region: 'us-east-1' }, [
      'errors-use1',
      'errors-usw2',
      'nope',
    ]);
    expect(east.map((r) => r.name)).toEqual(['errors-use1']);
    expect(
      await fleet.describeAlarms({ account: '999999999999', region: 'us-east-1' }, ['errors-use1']),
    ).toEqual([]);
  });

  it('notifies listeners of every change in virtual-time order', async () => {
    const changes: AlarmChange[] = [];
    const { fleet, clock } = fleetWith(
      {
        alarms: { metric: [errorsAlarm] },
        faults: [{ at: '10m', until: '20m', kind: 'sudden', errorRate: 0.5 }],
      },
      [use1],
    );
    fleet.onAlarmChange((change) => changes.push(change));
    await startOneBox(fleet, use1, 0.1);
    clock.advance(60 * MINUTE);
    fleet.settle();
    expect(changes.map((c) => [c.to, (c.atMs - START_MS) / MINUTE])).toEqual([
      ['OK', 1],
      ['ALARM', 12],
      ['OK', 22],
    ]);
  });

  it('evaluates 5-minute periods only at 5-minute boundaries', async () => {
    const alarms: ScenarioInput['alarms'] = {
      metric: [{ name: 'five', metric: 'Invocations', period: '5m', threshold: 2000 }],
    };
    const { fleet, clock } = fleetWith({ alarms }, [use1]);
    clock.advance(4 * MINUTE);
    expect((await stateOf(fleet, use1, 'five'))?.state).toBe('INSUFFICIENT_DATA');
    clock.advance(MINUTE);
    expect(await stateOf(fleet, use1, 'five')).toMatchObject({
      state: 'ALARM',
      updatedAtMs: START_MS + 5 * MINUTE,
    });
  });

  it('computes p99 Duration from the slowest share of traffic', async () => {
    const alarms: ScenarioInput['alarms'] = {
      metric: [{ name: 'p99', metric: 'Duration', stat: 'p99', threshold: 400 }],
    };
    const { fleet, clock } = fleetWith({ alarms, candidate: { errorRate: 0, latencyMs: 400 } }, [use1]);
    await startOneBox(fleet, use1, 0.05);
    clock.advance(2 * MINUTE);
    expect((await stateOf(fleet, use1, 'p99'))?.state).toBe('ALARM');
  });
});

describe('simulated composite alarms', () => {
  const alarms: ScenarioInput['alarms'] = {
    metric: [
      errorsAlarm,
      { name: 'latency-{target.id}', metric: 'Duration', threshold: 1000, evaluationPeriods: 1 },
    ],
    composite: [
      { name: 'health-{target.id}', rule: 'ALARM("errors-{target.id}") OR ALARM(latency-{target.id})' },
      { name: 'region-health', rule: 'ALARM("health-use1") AND NOT OK(health-use1)' },
    ],
  };

  it('follows its children, composites of composites included, with the child in the reason', async () => {
    const { fleet, clock } = fleetWith({ alarms, faults: [{ at: '10m', kind: 'sudden', errorRate: 0.5 }] }, [
      use1,
    ]);
    await startOneBox(fleet, use1, 0.1);
    // Evaluated at creation: its children are INSUFFICIENT_DATA, so ALARM(...) OR ALARM(...) is false.
    expect(await stateOf(fleet, use1, 'health-use1')).toMatchObject({
      state: 'OK',
      reason: 'Rule evaluated to FALSE.',
      updatedAtMs: START_MS,
    });
    clock.advance(5 * MINUTE);
    expect((await stateOf(fleet, use1, 'health-use1'))?.state).toBe('OK');
    clock.advance(10 * MINUTE);
    const health = await stateOf(fleet, use1, 'health-use1');
    expect(health).toMatchObject({ kind: 'composite', state: 'ALARM', updatedAtMs: START_MS + 12 * MINUTE });
    expect(health?.reason).toBe('errors-use1 transitioned to ALARM at 2026-11-23T09:12:00.000Z');
    expect((await stateOf(fleet, use1, 'region-health'))?.state).toBe('ALARM');
  });

  it('refuses a composite that names an alarm that does not exist', () => {
    expect(() =>
      fleetWith({ alarms: { composite: [{ name: 'c', rule: 'ALARM(missing) OR TRUE' }] } }, [use1]),
    ).toThrow(/composite "c" names alarm "missing", which does not exist/);
  });

  it('refuses composites that form a cycle', () => {
    const cyclic = {
      composite: [
        { name: 'a', rule: 'ALARM(b)' },
        { name: 'b', rule: 'ALARM(a)' },
      ],
    };
    expect(() => fleetWith({ alarms: cyclic }, [use1])).toThrow(InvalidInputError);
  });

  it('refuses two definitions of one alarm name in one region', () => {
    const duplicate = { metric: [errorsAlarm, { ...errorsAlarm, threshold: 1 }] };
    expect(() => fleetWith({ alarms: duplicate }, [use1])).toThrow(/alarms\.metric\[1\]\.name/);
  });
});
