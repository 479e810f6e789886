import { describe, expect, it } from 'vitest';
import type { AlarmStateValue } from '../../src/core/alarm-state.js';
import { assessComposite, countRuleElements, parseRule } from '../../src/local/fleet/index.js';
import { parseScenario, type ScenarioInput } from '../../src/local/scenario.js';
import { fleetWith, MINUTE, START_MS, stateOf, target } from '../unit/fleet/fixtures.js';

/*
 * CloudWatch composite alarms, one case per documented behaviour.
 *
 * Sources (read 2026-12; the user guide text is the awsdocs/amazon-cloudwatch-user-guide copy of
 * Create_Composite_Alarm.md):
 */
const GUIDE =
  'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html "Creating a composite alarm"';
const RULES = `${GUIDE}, "Rule expressions"`;
const API =
  'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html (Description; Request Parameters: AlarmRule)';

function evaluate(rule: string, states: Readonly<Record<string, AlarmStateValue>>): 'ALARM' | 'OK' {
  return assessComposite(parseRule(rule), (name) =>
    states[name] === undefined ? undefined : { state: states[name], updatedAtMs: 0 },
  );
}

const ALL_STATES: readonly AlarmStateValue[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

describe(`CloudWatch composite rule functions: ${RULES}`, () => {
  it.each([
    ['ALARM("a")', 'ALARM'],
    ['OK("a")', 'OK'],
    ['INSUFFICIENT_DATA("a")', 'INSUFFICIENT_DATA'],
  ] as const)('%s is TRUE only when the named alarm is in %s', (rule, trueIn) => {
    for (const state of ALL_STATES) {
      expect(evaluate(rule, { a: state })).toBe(state === trueIn ? 'ALARM' : 'OK');
    }
  });

  it('TRUE always evaluates to TRUE and FALSE always to FALSE', () => {
    expect(evaluate('TRUE', {})).toBe('ALARM');
    expect(evaluate('FALSE', {})).toBe('OK');
  });

  it('names an alarm by name or by ARN', () => {
    expect(evaluate('ALARM("arn:aws:cloudwatch:us-east-1:111122223333:alarm:a")', { a: 'ALARM' })).toBe(
      'ALARM',
    );
  });

  it(`accepts alarm names with or without double quotes: ${API}`, () => {
    // "Alarm names specified in AlarmRule can be surrounded with double-quotes ("), but do not have to be."
    expect(evaluate('ALARM(CPUUtilizationTooHigh)', { CPUUtilizationTooHigh: 'ALARM' })).toBe('ALARM');
    expect(evaluate('ALARM("CPUUtilizationTooHigh")', { CPUUtilizationTooHigh: 'ALARM' })).toBe('ALARM');
  });

  it('refuses a rule without any child alarm, TRUE or FALSE', () => {
    // "A rule expression must contain at least one child alarm or at least one TRUE statement or FALSE statement."
    for (const rule of ['', '()', 'NOT']) expect(() => parseRule(rule)).toThrow();
  });

  it('example: ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh) alarms only when both are in ALARM', () => {
    const rule = 'ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)';
    for (const cpu of ALL_STATES) {
      for (const disk of ALL_STATES) {
        const want = cpu === 'ALARM' && disk === 'ALARM' ? 'ALARM' : 'OK';
        expect(evaluate(rule, { CPUUtilizationTooHigh: cpu, DiskReadOpsTooHigh: disk })).toBe(want);
      }
    }
  });

  it('example: ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)', () => {
    const rule = 'ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)';
    for (const cpu of ALL_STATES) {
      for (const deploying of ALL_STATES) {
        const want = cpu === 'ALARM' && deploying !== 'ALARM' ? 'ALARM' : 'OK';
        expect(evaluate(rule, { CPUUtilizationTooHigh: cpu, DeploymentInProgress: deploying })).toBe(want);
      }
    }
  });

  it('example: (ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh), parentheses grouping', () => {
    const rule = '(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)';
    for (const cpu of ALL_STATES) {
      for (const disk of ALL_STATES) {
        for (const network of ALL_STATES) {
          const want = (cpu === 'ALARM' || disk === 'ALARM') && network === 'OK' ? 'ALARM' : 'OK';
          const states = { CPUUtilizationTooHigh: cpu, DiskReadOpsTooHigh: disk, NetworkOutTooHigh: network };
          expect(evaluate(rule, states)).toBe(want);
        }
      }
    }
  });

  it('the console example over several lines: (ALARM("CPUUtilizationTooHigh") OR ALARM("DiskReadOpsTooHigh")) AND OK("NetworkOutTooHigh")', () => {
    const rule =
      '(ALARM("CPUUtilizationTooHigh") OR \nALARM("DiskReadOpsTooHigh")) AND \nOK("NetworkOutTooHigh")';
    const states = {
      CPUUtilizationTooHigh: 'ALARM',
      DiskReadOpsTooHigh: 'OK',
      NetworkOutTooHigh: 'OK',
    } as const;
    expect(evaluate(rule, states)).toBe('ALARM');
    expect(evaluate(rule, { ...states, NetworkOutTooHigh: 'ALARM' })).toBe('OK');
  });

  it('refuses operators and functions that are not written as documented (upper case)', () => {
    expect(() => parseRule('alarm(a)')).toThrow();
    expect(() => parseRule('ALARM(a) and ALARM(b)')).toThrow();
  });

  it('refers to metric alarms and other composite alarms', async () => {
    const use1 = target('use1');
    const { fleet, clock } = fleetWith(
      {
        faults: [{ at: '0m', kind: 'sudden', errorRate: 0.5, version: 'all' }],
        alarms: {
          metric: [{ name: 'errors', metric: 'ErrorRate', threshold: 10 }],
          composite: [
            { name: 'inner', rule: 'ALARM(errors)' },
            { name: 'outer', rule: 'ALARM(inner) AND TRUE' },
          ],
        },
      },
      [use1],
    );
    clock.advance(MINUTE);
    expect((await stateOf(fleet, use1, 'outer'))?.state).toBe('ALARM');
  });
});

describe(`CloudWatch composite alarm state: ${API}`, () => {
  it('is INSUFFICIENT_DATA only at creation: evaluated at once, a rule over INSUFFICIENT_DATA children gives OK', async () => {
    // "When this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA.
    // The alarm is then evaluated and its state is set appropriately. ... For a composite alarm,
    // this initial time after creation is the only time that the alarm can be in INSUFFICIENT_DATA state."
    const use1 = target('use1');
    const { fleet, clock } = fleetWith(
      {
        traffic: { requestsPerMinute: 0 },
        alarms: {
          metric: [{ name: 'errors', metric: 'Errors', threshold: 1 }],
          composite: [
            { name: 'any-alarm', rule: 'ALARM(errors)' },
            { name: 'no-data', rule: 'INSUFFICIENT_DATA(errors)' },
          ],
        },
      },
      [use1],
    );
    expect(await stateOf(fleet, use1, 'any-alarm')).toMatchObject({ state: 'OK', updatedAtMs: START_MS });
    expect(await stateOf(fleet, use1, 'no-data')).toMatchObject({ state: 'ALARM', updatedAtMs: START_MS });
    clock.advance(30 * MINUTE);
    // No traffic: the child stays INSUFFICIENT_DATA, the composites keep their evaluated states.
    expect((await stateOf(fleet, use1, 'errors'))?.state).toBe('INSUFFICIENT_DATA');
    expect((await stateOf(fleet, use1, 'any-alarm'))?.state).toBe('OK');
    expect((await stateOf(fleet, use1, 'no-data'))?.state).toBe('ALARM');
  });

  it('never returns to INSUFFICIENT_DATA, whatever its children are in', () => {
    for (const rule of ['ALARM(a)', 'OK(a) OR INSUFFICIENT_DATA(b)', 'NOT ALARM(a) AND ALARM(b)']) {
      for (const a of ALL_STATES) {
        for (const b of ALL_STATES) expect(['ALARM', 'OK']).toContain(evaluate(rule, { a, b }));
      }
    }
  });
});

describe(`CloudWatch composite limits: ${GUIDE} and ${API}`, () => {
  const metric = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ name: `m${i}`, metric: 'Errors' as const, threshold: 1 }));
  const anyOf = (count: number) => Array.from({ length: count }, (_, i) => `ALARM(m${i})`).join(' OR ');
  const build = (alarms: ScenarioInput['alarms']) => () => fleetWith({ alarms }, [target('use1')]);

  it('watches as many as 100 underlying alarms, and a scenario with 101 is refused naming the alarm and the limit', () => {
    expect(build({ metric: metric(100), composite: [{ name: 'wide', rule: anyOf(100) }] })).not.toThrow();
    expect(build({ metric: metric(101), composite: [{ name: 'wide', rule: anyOf(101) }] })).toThrow(
      /alarms\.composite\[0\]\.rule: composite alarm "wide": the rule names 101 alarms; CloudWatch allows at most 100 underlying alarms/,
    );
  });

  it('counts an alarm named twice once among the underlying alarms', () => {
    const rule = `${anyOf(100)} OR OK(m0)`;
    expect(build({ metric: metric(100), composite: [{ name: 'wide', rule }] })).not.toThrow();
  });

  it('takes a rule of at most 10,240 characters, and refuses a longer one naming the alarm and the limit', () => {
    const padded = (length: number) => `ALARM(m0)${' '.repeat(length - 'ALARM(m0)'.length)}`;
    expect(build({ metric: metric(1), composite: [{ name: 'long', rule: padded(10_240) }] })).not.toThrow();
    expect(build({ metric: metric(1), composite: [{ name: 'long', rule: padded(10_241) }] })).toThrow(
      /composite alarm "long": the rule is 10,241 characters long; CloudWatch allows at most 10,240/,
    );
  });

  it('checks the length of the rule CloudWatch would receive, after placeholders are expanded', () => {
    const longId = 'x'.repeat(100);
    const rule = Array.from({ length: 100 }, () => 'ALARM("errors-{target.id}")').join(' OR ');
    expect(rule.length).toBeLessThan(10_240);
    expect(() =>
      fleetWith(
        {
          alarms: {
            metric: [{ name: 'errors-{target.id}', metric: 'Errors', threshold: 1 }],
            composite: [{ name: 'health-{target.id}', rule }],
          },
        },
        [target(longId)],
      ),
    ).toThrow(
      /composite alarm "health-x+": its rule expands to 11,996 characters; CloudWatch allows at most 10,240/,
    );
  });

  it('has at most 500 elements (child alarms, TRUE/FALSE, a pair of parentheses counting as one)', () => {
    expect(countRuleElements('(ALARM(a) OR ALARM(b)) AND TRUE')).toBe(4);
    const elements = (count: number) => Array.from({ length: count }, () => 'TRUE').join(' AND ');
    expect(() =>
      parseScenario({ alarms: { composite: [{ name: 'many', rule: elements(500) }] } }),
    ).not.toThrow();
    expect(() => parseScenario({ alarms: { composite: [{ name: 'many', rule: elements(501) }] } })).toThrow(
      /composite alarm "many": the rule has 501 elements .*CloudWatch allows at most 500/,
    );
  });

  it('lets one alarm be watched by up to 150 composite alarms, and refuses a 151st', () => {
    const composites = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ name: `c${i}`, rule: 'ALARM(m0)' }));
    expect(build({ metric: metric(1), composite: composites(150) })).not.toThrow();
    expect(build({ metric: metric(1), composite: composites(151) })).toThrow(
      /alarm "m0" in 111122223333\/us-east-1 is named by 151 composite alarms; CloudWatch allows at most 150/,
    );
  });

  it('watches only alarms of its own Region and account', () => {
    // "In a composite alarm, all underlying alarms must be in the same AWS Region and the same account."
    const alarms: ScenarioInput['alarms'] = {
      metric: [{ name: 'errors-{target.region}', metric: 'Errors', threshold: 1 }],
      composite: [{ name: 'health', rule: 'ALARM("errors-eu-west-1")' }],
    };
    expect(() =>
      fleetWith({ alarms }, [target('use1'), target('euw1', { region: 'eu-west-1', alias: 'live-euw1' })]),
    ).toThrow(
      /composite "health" names alarm "errors-eu-west-1", which does not exist in 111122223333\/us-east-1/,
    );
  });
});
