import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { parseScenario, scenarioJsonSchema } from '../../../src/local/scenario.js';

function issuesOf(input: unknown): string[] {
  try {
    parseScenario(input);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('parseScenario', () => {
  it('fills defaults: a Monday 09:00 UTC start, 600 requests per minute, a candidate like the baseline', () => {
    const scenario = parseScenario({});
    expect(scenario.start).toBe('2026-11-23T09:00:00Z');
    expect(scenario.startMs).toBe(Date.parse('2026-11-23T09:00:00Z'));
    expect(scenario.traffic).toEqual({ requestsPerMinute: 600, perTarget: {}, diurnalSwing: 0 });
    expect(scenario.candidate).toEqual(scenario.baseline);
    expect(scenario.alarms).toEqual({ metric: [], composite: [] });
  });

  it('delivers alarm events unless the scenario says they are lost', () => {
    expect(parseScenario({}).alarmEvents).toBe('delivered');
    expect(parseScenario({ alarmEvents: 'lost' }).alarmEvents).toBe('lost');
    expect(parseScenario({ alarmEvents: 'delivered' }).alarmEvents).toBe('delivered');
  });

  it('refuses an alarmEvents value other than delivered or lost, with its path', () => {
    const issues = issuesOf({ alarmEvents: 'sometimes' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^alarmEvents: /);
    expect(issues[0]).toMatch(/delivered/);
  });

  it('has no metric noise unless the scenario asks for it', () => {
    expect(parseScenario({}).noise).toBeUndefined();
    expect('noise' in parseScenario({})).toBe(false);
  });

  it('fills noise defaults: drawn counts and a 10% latency coefficient of variation', () => {
    expect(parseScenario({ noise: {} }).noise).toEqual({ counts: true, latencyCv: 0.1 });
    expect(parseScenario({ noise: { counts: false, latencyCv: 0.3 } }).noise).toEqual({
      counts: false,
      latencyCv: 0.3,
    });
  });

  it('refuses a negative latency coefficient of variation and unknown noise fields, with their paths', () => {
    expect(issuesOf({ noise: { latencyCv: -0.1 } })).toEqual([expect.stringMatching(/^noise\.latencyCv: /)]);
    expect(issuesOf({ noise: { jitter: 1 } })).toEqual([expect.stringMatching(/^noise: .*jitter/)]);
  });

  it('resolves fault times given as offsets or ISO times to epoch ms', () => {
    const scenario = parseScenario({
      faults: [
        { at: '30m', kind: 'sudden', errorRate: 0.2 },
        {
          at: '2026-11-23T12:00:00Z',
          until: '4h',
          kind: 'slow-burn',
          ramp: '1h',
          latencyMs: 900,
          version: 'all',
        },
      ],
      apiFaults: [{ api: 'UpdateAlias', error: 'throttle', count: 3 }],
    });
    const start = scenario.startMs;
    expect(scenario.faults[0]).toMatchObject({
      atMs: start + 30 * 60_000,
      untilMs: undefined,
      version: 'candidate',
      targets: ['*'],
    });
    expect(scenario.faults[1]).toMatchObject({
      atMs: Date.parse('2026-11-23T12:00:00Z'),
      untilMs: start + 4 * 3_600_000,
      ramp: 3600,
    });
    expect(scenario.apiFaults[0]).toMatchObject({ atMs: start, count: 3 });
  });

  it('fills metric alarm defaults the way CloudWatch does', () => {
    const [alarm] = parseScenario({
      alarms: { metric: [{ name: 'd', metric: 'Duration', threshold: 500, evaluationPeriods: 5 }] },
    }).alarms.metric;
    expect(alarm).toMatchObject({
      stat: 'Average',
      period: 60,
      datapointsToAlarm: 5,
      treatMissingData: 'missing',
      scope: 'alias',
    });
  });

  it('reports every problem at once, each with its path', () => {
    expect(
      issuesOf({
        start: 'Monday',
        traffic: { requestsPerMinute: -1 },
        faults: [
          { at: 'soon', kind: 'boom', errorRate: 2 },
          { at: '1h', until: '30m', kind: 'slow-burn', errorRate: 0.1 },
        ],
        alarms: {
          metric: [
            {
              name: 'a',
              metric: 'Errors',
              stat: 'p99',
              period: 90,
              threshold: 1,
              evaluationPeriods: 2,
              datapointsToAlarm: 3,
            },
          ],
          composite: [{ name: 'c', rule: 'ALARM(a) AND' }],
        },
        apiFaults: [{ api: 'Invoke', error: 'throttle' }],
      }),
    ).toEqual([
      'start: expected an ISO time on a whole minute like "2026-11-23T09:00:00Z"',
      'traffic.requestsPerMinute: Too small: expected number to be >=0, got -1',
      'alarms.metric[0].period: expected a multiple of 60 seconds, got 90',
      'alarms.metric[0].stat: p99 is only available for Duration, not Errors',
      'alarms.metric[0].datapointsToAlarm: expected at most evaluationPeriods (2), got 3',
      'alarms.composite[0].rule: invalid rule: expected an alarm function, TRUE, FALSE, NOT or "(" at the end of the rule',
      'faults[0].at: expected a duration from the start like "30m" or an ISO time like "2026-11-23T10:00:00Z", got "soon"',
      'faults[0].kind: Invalid option: expected one of "sudden"|"slow-burn", got "boom"',
      'faults[0].errorRate: Too big: expected number to be <=1, got 2',
      'faults[1].ramp: a slow-burn fault needs a ramp longer than 0s',
      'apiFaults[0].api: Invalid option: expected one of "GetAlias"|"UpdateAlias"|"PublishVersion"|"GetFunctionConfiguration"|"DescribeAlarms"|"GetMetricData", got "Invoke"',
    ]);
  });

  it('refuses a fault that ends before it starts', () => {
    expect(issuesOf({ faults: [{ at: '1h', until: '30m', kind: 'sudden', errorRate: 0.1 }] })).toEqual([
      'faults[0].until: expected `until` to be after `at`',
    ]);
  });

  it('refuses unknown fields, naming them', () => {
    expect(issuesOf({ trafic: {} })).toEqual([': unknown field(s) "trafic"']);
  });

  it('names the scenario in the error when it has a name', () => {
    expect(() => parseScenario({ name: 'black-friday', faults: [{}] })).toThrow(
      /^scenario "black-friday" is invalid/,
    );
  });
});

describe('scenarioJsonSchema', () => {
  it('describes what users write: durations as strings or seconds, defaults optional', () => {
    const schema = scenarioJsonSchema() as {
      properties: Record<string, { description?: string }>;
      required?: string[];
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'start',
        'traffic',
        'baseline',
        'candidate',
        'alarms',
        'faults',
        'apiFaults',
        'blockers',
        'alarmEvents',
      ]),
    );
    expect(schema.properties.alarmEvents?.description).toMatch(/safety poll/);
    expect(schema.required ?? []).toEqual([]);
    expect(JSON.stringify(schema)).toContain('"slow-burn"');
  });
});
