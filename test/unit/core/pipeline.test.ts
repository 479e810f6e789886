import { describe, expect, it } from 'vitest';
import payments from '../../../examples/payments.pipeline.js';
import { type InputIssue, InvalidInputError } from '../../../src/core/errors.js';
import { type PipelineInput, resolvePipeline } from '../../../src/core/pipeline.js';

/** A deep copy of the example pipeline, free to break. */
function example(): PipelineInput {
  return structuredClone(payments);
}

/** A pipeline as a user could write it, wrong shapes included. */
// biome-ignore lint/suspicious/noExplicitAny: these tests break the document in ways its type forbids.
type LooseDocument = Record<string, any>;

/** A copy of the example as loose JSON, for documents a user could write wrong. */
function exampleJson(): LooseDocument {
  return structuredClone(payments) as LooseDocument;
}

function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'orders',
    waves: [
      {
        name: 'only',
        targets: [
          { id: 'use1', account: '222222222222', region: 'us-east-1', functionName: 'orders', alias: 'live' },
        ],
      },
    ],
    ...extra,
  };
}

/** The issues resolvePipeline reports for `input`; fails the test when it does not throw. */
function issuesOf(input: unknown): readonly InputIssue[] {
  try {
    resolvePipeline(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).issues;
  }
  throw new Error('expected the pipeline to be invalid');
}

describe('resolvePipeline', () => {
  describe('a valid pipeline', () => {
    it('resolves the example into its waves, in order, with their targets', () => {
      // Act
      const pipeline = resolvePipeline(example());

      // Assess
      expect(pipeline.name).toBe('payments-api');
      expect(pipeline.source).toEqual({
        type: 'github',
        owner: 'example',
        repo: 'payments-api',
        branch: 'main',
      });
      expect(pipeline.artifact).toEqual({ type: 'versions' });
      expect(pipeline.waves.map((w) => [w.index, w.name, w.targets.map((t) => t.id)])).toEqual([
        [0, 'canary', ['use1-cell1']],
        [1, 'europe', ['euw1', 'euc1']],
        [2, 'world', ['use1-cell2', 'usw2', 'apne1']],
      ]);
    });

    it('gives every wave the pipeline defaults it does not set itself', () => {
      // Act
      const pipeline = resolvePipeline(example());

      // Assess
      for (const wave of pipeline.waves) {
        expect(wave).toMatchObject({
          oneBox: { weight: 10, bake: { duration: 1_800, minDataPoints: 200 } },
          rolling: { weights: [33, 66, 100], healthCheck: 600 },
          alarms: {
            rollback: ['payments-errors-{target.region}'],
            oneBox: ['payments-onebox-errors-{target.id}'],
          },
          safetyPoll: 300,
          inconclusiveTimeout: 3_600,
        });
      }
      expect(pipeline.waves[1]?.concurrency).toBe(2);
    });

    it.each([
      ['canary', 'bake', { duration: 7_200, minDataPoints: 2_000 }],
      ['europe', 'bake', { duration: 5_400, minDataPoints: 1_500 }],
      ['world', 'concurrency', 3],
      ['world', 'bake', { duration: 3_600, minDataPoints: 1_000 }],
    ] as const)('lets wave %s set its own %s', (name, setting, expected) => {
      // Act
      const pipeline = resolvePipeline(example());

      // Assess
      expect(pipeline.waves.find((w) => w.name === name)?.[setting]).toEqual(expected);
    });

    it('replaces a default setting as a whole rather than merging into it', () => {
      // Prepare
      const input = exampleJson();
      input.waves[0].alarms = { rollback: ['canary-only'] };

      // Act
      const pipeline = resolvePipeline(input);

      // Assess
      expect(pipeline.waves[0]?.alarms).toEqual({ rollback: ['canary-only'], oneBox: [] });
      expect(pipeline.waves[1]?.alarms.rollback).toEqual(['payments-errors-{target.region}']);
    });

    it('falls back to the built-in defaults when neither the pipeline nor the wave sets them', () => {
      // Act
      const pipeline = resolvePipeline(minimal());

      // Assess
      expect(pipeline.source).toEqual({ type: 'manual' });
      expect(pipeline.artifact).toEqual({ type: 'versions' });
      expect(pipeline.waves[0]).toMatchObject({
        concurrency: 1,
        oneBox: { weight: 10, bake: { duration: 1_800, minDataPoints: 100 } },
        rolling: { weights: [33, 66, 100], healthCheck: 300 },
        bake: { duration: 3_600, minDataPoints: 500 },
        alarms: { rollback: [], oneBox: [] },
        safetyPoll: 300,
        inconclusiveTimeout: 3_600,
      });
    });

    it.each<[string, unknown, number]>([
      ['a compact string', '1h30m', 5_400],
      ['whole seconds', 90, 90],
      ['days', '2d', 172_800],
    ])('reads durations written as %s', (_case, written, seconds) => {
      // Prepare
      const input = minimal({
        defaults: { bake: { duration: written, minDataPoints: 1 } },
      });

      // Act
      const wave = resolvePipeline(input).waves[0];

      // Assess
      expect(wave?.bake.duration).toBe(seconds);
    });
  });

  describe('an invalid pipeline', () => {
    it('reports every problem at once, each with its path and the value received', () => {
      // Prepare
      const input = exampleJson();
      input.waves[1].targets[0].region = 'Europe';
      input.waves[0].rolling = { weights: [50, 30, 100], healthCheck: '5m' };
      input.waves[2].targets[0].alias = 42;

      // Act
      const issues = issuesOf(input);

      // Assess
      expect(issues.map((i) => i.path).sort()).toEqual([
        'waves[0].rolling.weights',
        'waves[1].targets[0].region',
        'waves[2].targets[0].alias',
      ]);
      expect(issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            path: 'waves[2].targets[0].alias',
            message: 'expected string, got 42',
            received: 42,
          }),
          expect.objectContaining({
            path: 'waves[1].targets[0].region',
            message: 'expected an AWS region like "us-east-1", got "Europe"',
          }),
          expect.objectContaining({
            path: 'waves[0].rolling.weights',
            message: 'expected strictly increasing weights, got [50,30,100]',
          }),
        ]),
      );
    });

    it('lists every problem with its path in the error message', () => {
      // Prepare
      const input = exampleJson();
      input.waves[2].targets[0].alias = 42;
      input.defaults.pollInterval = '1x';

      // Act
      const act = () => resolvePipeline(input);

      // Assess
      expect(act).toThrow(InvalidInputError);
      expect(act).toThrow(/^pipeline "payments-api" is invalid:\n/);
      expect(act).toThrow('  - waves[2].targets[0].alias: expected string, got 42');
      expect(act).toThrow('  - defaults.pollInterval: expected a duration like');
    });

    it.each<[string, (p: LooseDocument) => void, string, RegExp]>([
      [
        'an account id that is not 12 digits',
        (p) => {
          p.waves[0].targets[0].account = '1234';
        },
        'waves[0].targets[0].account',
        /expected a 12-digit AWS account id, got "1234"/,
      ],
      [
        'a numeric alias name',
        (p) => {
          p.waves[0].targets[0].alias = '42';
        },
        'waves[0].targets[0].alias',
        /expected a Lambda alias name \(not a number\), got "42"/,
      ],
      [
        'the $LATEST alias',
        (p) => {
          p.waves[0].targets[0].alias = '$LATEST';
        },
        'waves[0].targets[0].alias',
        /an alias cannot be \$LATEST/,
      ],
      [
        'a one-box at 100%',
        (p) => {
          p.defaults.oneBox.weight = 100;
        },
        'defaults.oneBox.weight',
        /got 100/,
      ],
      [
        'rolling weights that stop short of 100%',
        (p) => {
          p.defaults.rolling.weights = [25, 50];
        },
        'defaults.rolling.weights',
        /expected the last rolling weight to be 100, got \[25,50\]/,
      ],
      [
        'a bad duration',
        (p) => {
          p.waves[1].bake.duration = 'soon';
        },
        'waves[1].bake.duration',
        /expected a duration like .*, got "soon"/,
      ],
      [
        'a concurrency of zero',
        (p) => {
          p.waves[2].concurrency = 0;
        },
        'waves[2].concurrency',
        /got 0/,
      ],
      [
        'a wave without targets',
        (p) => {
          p.waves[1].targets = [];
        },
        'waves[1].targets',
        /expected at least one target/,
      ],
      [
        'a missing pipeline name',
        (p) => {
          delete p.name;
        },
        'name',
        /expected string, got nothing/,
      ],
    ])('reports %s at its path', (_case, breakIt, path, message) => {
      // Prepare
      const input = exampleJson();
      breakIt(input);

      // Act
      const issues = issuesOf(input);

      // Assess
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.every((i) => i.path === path)).toBe(true);
      expect(issues.map((i) => i.message).join('\n')).toMatch(message);
    });

    it.each<[string, (p: LooseDocument) => void, string, string]>([
      [
        'at the top level',
        (p) => {
          p.owner = 'team-a';
        },
        '',
        'unknown field(s) "owner"',
      ],
      [
        'in a wave',
        (p) => {
          p.waves[0].colour = 'red';
        },
        'waves[0]',
        'unknown field(s) "colour"',
      ],
      [
        'in a target',
        (p) => {
          p.waves[1].targets[1].zone = 'a';
          p.waves[1].targets[1].weight = 5;
        },
        'waves[1].targets[1]',
        'unknown field(s) "zone", "weight"',
      ],
      [
        'in the defaults',
        (p) => {
          p.defaults.bakeTime = '1h';
        },
        'defaults',
        'unknown field(s) "bakeTime"',
      ],
    ])('reports unknown fields %s', (_case, breakIt, path, message) => {
      // Prepare
      const input = exampleJson();
      breakIt(input);

      // Act
      const issues = issuesOf(input);

      // Assess
      expect(issues).toEqual([expect.objectContaining({ path, message })]);
    });

    it('reports a duplicate target id with both locations', () => {
      // Prepare
      const input = exampleJson();
      input.waves[2].targets[1].id = 'euw1';

      // Act
      const issues = issuesOf(input);

      // Assess
      expect(issues).toEqual([
        expect.objectContaining({
          path: 'waves[2].targets[1].id',
          message: 'duplicate target id "euw1" (also at waves[1].targets[0])',
        }),
      ]);
    });

    it('reports two targets deploying to the same alias with both locations', () => {
      // Prepare
      const input = exampleJson();
      input.waves[2].targets[2] = { ...input.waves[1].targets[1], id: 'euc1-again' };

      // Act
      const issues = issuesOf(input);

      // Assess
      expect(issues).toEqual([
        expect.objectContaining({
          path: 'waves[2].targets[2]',
          message:
            'alias 111111111111/eu-central-1/payments-api:live is already a target at waves[1].targets[1]',
        }),
      ]);
    });

    it('reports a duplicate wave name', () => {
      // Prepare
      const input = exampleJson();
      input.waves[2].name = 'canary';

      // Act
      const issues = issuesOf(input);

      // Assess
      expect(issues).toEqual([
        expect.objectContaining({ path: 'waves[2].name', message: 'duplicate wave name "canary"' }),
      ]);
    });

    it.each<[string, unknown, string]>([
      ['nothing', undefined, 'expected object, got nothing'],
      ['null', null, 'expected object, got null'],
      ['a string', 'payments', 'expected object, got "payments"'],
    ])('reports %s instead of a pipeline at the root', (_case, input, message) => {
      expect(issuesOf(input)).toEqual([expect.objectContaining({ path: '', message })]);
    });
  });
});

describe('safety poll and history budget', () => {
  const issuesOf = (input: unknown): readonly InputIssue[] => {
    try {
      resolvePipeline(input);
    } catch (error) {
      if (error instanceof InvalidInputError) return error.issues;
      throw error;
    }
    return [];
  };

  it('polls for safety every 5 minutes by default, and reads pollInterval as its old name', () => {
    expect(resolvePipeline(minimal()).waves[0]?.safetyPoll).toBe(300);
    expect(resolvePipeline(minimal({ defaults: { pollInterval: '2m' } })).waves[0]?.safetyPoll).toBe(120);
    expect(resolvePipeline(minimal({ defaults: { safetyPoll: '15m' } })).waves[0]?.safetyPoll).toBe(900);
    expect(resolvePipeline(minimal({ defaults: { pollInterval: '2m' } })).waves[0]).not.toHaveProperty(
      'pollInterval',
    );
  });

  it('refuses a safety poll longer than 15 minutes or both names at once, saying where', () => {
    expect(issuesOf(minimal({ defaults: { safetyPoll: '30m' } }))).toEqual([
      expect.objectContaining({
        path: 'defaults.safetyPoll',
        message: expect.stringMatching(/10s to 15m.*got 1800 seconds/),
        received: '30m',
      }),
    ]);
    expect(issuesOf(minimal({ defaults: { safetyPoll: '5m', pollInterval: '1m' } }))).toEqual([
      expect.objectContaining({
        path: 'defaults.pollInterval',
        message: 'pollInterval is the old name of safetyPoll: give only safetyPoll',
      }),
    ]);
  });

  it('rejects a bake whose execution would pass 20,000 history events, naming the wave, the estimate and the limit', () => {
    const input = minimal({ defaults: { bake: { duration: '48h', minDataPoints: 10 }, safetyPoll: '1m' } });

    const issues = issuesOf(input);

    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('waves[0]');
    expect(issues[0]?.message).toMatch(
      /^wave "only": its wave execution would write an estimated [\d,]+ history events, more than the limit of 20,000/,
    );
    expect(issues[0]?.received).toBeGreaterThan(20_000);
    // The same bake with the default safety poll fits.
    expect(issuesOf(minimal({ defaults: { bake: { duration: '48h', minDataPoints: 10 } } }))).toEqual([]);
  });
});

describe('stages and batching', () => {
  const t = (id: string, region = 'us-east-1') => ({
    id,
    account: '222222222222',
    region,
    functionName: `orders-${id}`,
    alias: 'live',
  });

  it('marks waves production unless they say pre-production, and batches in order by default', () => {
    // Act
    const p = resolvePipeline({
      name: 'orders',
      waves: [
        { name: 'beta', stage: 'pre-production', targets: [t('beta')] },
        { name: 'prod', batching: 'per-region', targets: [t('use1'), t('euw1', 'eu-west-1')] },
      ],
    });

    // Assess
    expect(p.waves.map((w) => [w.name, w.stage, w.batching])).toEqual([
      ['beta', 'pre-production', 'in-order'],
      ['prod', 'production', 'per-region'],
    ]);
  });

  it('refuses a pre-production wave after a production one, naming both', () => {
    // Act
    const issues = issuesOf({
      name: 'orders',
      waves: [
        { name: 'prod', targets: [t('use1')] },
        { name: 'gamma', stage: 'pre-production', targets: [t('gamma')] },
      ],
    });

    // Assess
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'waves[1].stage',
        message: expect.stringMatching(/pre-production wave "gamma" comes after production wave "prod"/),
      }),
    ]);
  });

  it('refuses an unknown stage or batching with the values it accepts', () => {
    // Act
    const issues = issuesOf({
      name: 'orders',
      defaults: { batching: 'random' },
      waves: [{ name: 'prod', stage: 'staging', targets: [t('use1')] }],
    });

    // Assess
    expect(issues.map((i) => i.path).sort()).toEqual(['defaults.batching', 'waves[0].stage']);
    expect(issues.map((i) => i.message).join(' ')).toMatch(/in-order.*per-region|pre-production.*production/);
  });
});

describe('analysis settings', () => {
  const t = { id: 'a', account: '222222222222', region: 'us-east-1', functionName: 'orders', alias: 'live' };

  it('fills the defaults, and lets a wave switch off the analysis its defaults ask for', () => {
    // Act
    const p = resolvePipeline({
      name: 'orders',
      defaults: { analysis: {} },
      waves: [
        { name: 'one', targets: [t] },
        { name: 'two', targets: [{ ...t, id: 'b', functionName: 'orders-b' }], analysis: false },
      ],
    });

    // Assess
    expect(p.waves[0]?.analysis).toEqual({
      metrics: ['errorRate', 'latencyP99'],
      maxRelativeIncrease: 0.5,
      confidence: 0.95,
      minSamples: 10,
    });
    expect(p.waves[1]).not.toHaveProperty('analysis');
  });
});
