import { describe, expect, it } from 'vitest';
import { AliasConflictError, InvalidInputError, NotFoundError } from '../../src/core/errors.js';
import { LambdaService, lambdaErrorOf, type UpdateAliasRequest } from '../../src/local/fleet/index.js';
import type { AliasRef } from '../../src/ports/fleet.js';
import { fleetWith, MINUTE, target } from '../unit/fleet/fixtures.js';

/*
 * Lambda aliases, one case per documented behaviour of the API the workflow uses.
 *
 * Sources (read 2026-12; the developer guide text is the awsdocs/aws-lambda-developer-guide copy):
 */
const UPDATE_ALIAS = 'https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html';
const ROUTING_CONFIG =
  'https://docs.aws.amazon.com/lambda/latest/api/API_AliasRoutingConfiguration.html (AdditionalVersionWeights)';
const ALIAS_ROUTING =
  'https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html "Alias routing configuration"';
// The error names are those of the API reference's Errors sections; constraint violations of the
// request model (lengths, patterns, ranges) are the common ValidationException. The messages are
// those Lambda returns (as recorded by LocalStack's parity tests against AWS).

const ALIAS: AliasRef = {
  account: '111122223333',
  region: 'us-east-1',
  functionName: 'payments',
  alias: 'live',
};
const ARN = 'arn:aws:lambda:us-east-1:111122223333:function:payments';
const AT = Date.parse('2026-11-23T09:00:00Z');

/** A function with versions 1..3 and the alias `live` on version 1. */
function lambdaWithAlias(): LambdaService {
  const lambda = new LambdaService();
  lambda.ensureFunction(ALIAS, 3, AT);
  lambda.createAlias(ALIAS, '1', AT);
  return lambda;
}

/** The error an UpdateAlias throws, with Lambda's name and message. */
function updateError(request: UpdateAliasRequest, ref: AliasRef = ALIAS): Error {
  const lambda = lambdaWithAlias();
  const before = lambda.aliasRecord(ALIAS).history.length;
  try {
    lambda.updateAlias(ref, request, AT + MINUTE);
  } catch (error) {
    // A refused update changes nothing.
    expect(lambda.aliasRecord(ALIAS).history).toHaveLength(before);
    return error as Error;
  }
  throw new Error(`UpdateAlias ${JSON.stringify(request)} was accepted`);
}

describe(`Lambda UpdateAlias: ${ROUTING_CONFIG}`, () => {
  it('accepts weights from 0.0 to 1.0 inclusive ("Valid Range: Minimum value of 0.0. Maximum value of 1.0.")', () => {
    for (const weight of [0, 0.000001, 0.5, 0.999999, 1]) {
      const lambda = lambdaWithAlias();
      const state = lambda.updateAlias(
        ALIAS,
        { FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': weight } } },
        AT + MINUTE,
      );
      expect(state.additional).toEqual({ version: '2', weight });
    }
  });

  it.each([-0.1, 1.01, Number.NaN])(
    'refuses the weight %s with a ValidationException naming the constraint',
    (weight) => {
      const error = updateError({
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': weight } },
      });
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(lambdaErrorOf(error)).toEqual({
        awsErrorName: 'ValidationException',
        awsMessage:
          `1 validation error detected: Value '{2=${weight}}' at 'routingConfig.additionalVersionWeights' failed to ` +
          'satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, ' +
          'Member must have value greater than or equal to 0.0, Member must not be null]',
      });
    },
  );

  it('refuses $LATEST as the additional version (Key Pattern: [0-9]+) with a ValidationException', () => {
    const error = updateError({
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: { $LATEST: 0.1 } },
    });
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(lambdaErrorOf(error)?.awsErrorName).toBe('ValidationException');
    expect(lambdaErrorOf(error)?.awsMessage).toMatch(
      /Map keys must satisfy constraint: .*pattern: \[0-9\]\+/,
    );
  });
});

describe(`Lambda UpdateAlias: ${ALIAS_ROUTING}`, () => {
  it('points an alias at two versions at most: two additional versions are an InvalidParameterValueException', () => {
    // "You can point an alias to a maximum of two Lambda function versions."
    const error = updateError({
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.1, '3': 0.1 } },
    });
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(lambdaErrorOf(error)).toEqual({
      awsErrorName: 'InvalidParameterValueException',
      awsMessage: 'Number of items in AdditionalVersionWeights cannot be greater than 1',
    });
  });

  it('refuses an additional version equal to FunctionVersion with an InvalidParameterValueException', () => {
    const error = updateError({
      FunctionVersion: '2',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } },
    });
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(lambdaErrorOf(error)).toEqual({
      awsErrorName: 'InvalidParameterValueException',
      awsMessage:
        'Invalid function version 2. Function version 2 is already included in routing configuration.',
    });
  });

  it('refuses routing when the alias points at $LATEST ("Both versions must be published. The alias cannot point to $LATEST.")', () => {
    const error = updateError({
      FunctionVersion: '$LATEST',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } },
    });
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(lambdaErrorOf(error)).toEqual({
      awsErrorName: 'InvalidParameterValueException',
      awsMessage: '$LATEST is not supported for an alias pointing to more than 1 version',
    });
  });

  it('resets the routing with an empty AdditionalVersionWeights map', () => {
    // "--function-version 2 --routing-config AdditionalVersionWeights={} ... also resets the routing configuration"
    const lambda = lambdaWithAlias();
    lambda.updateAlias(
      ALIAS,
      { FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.05 } } },
      AT,
    );
    const state = lambda.updateAlias(
      ALIAS,
      { FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} } },
      AT + MINUTE,
    );
    expect(state).toMatchObject({ functionVersion: '2', additional: null });
  });

  it('routes the additional version its weight and the first version the rest ("10 percent ... 90 percent")', async () => {
    const use1 = target('use1');
    const { fleet, clock, targets } = fleetWith({}, [use1]);
    const t = targets[0] as typeof use1;
    const { version } = await fleet.publishVersion(t, { code: { imageUri: 'repo:v2' }, description: 'v2' });
    await fleet.updateAlias(t, { functionVersion: '1', additional: { version, weight: 0.1 } });
    clock.advance(10 * MINUTE);
    const counts = await fleet.countInvocations(t, [
      {
        id: 'v1',
        functionName: t.functionName,
        alias: t.alias,
        version: '1',
        startMs: 0,
        endMs: clock.nowMs(),
      },
      { id: 'v2', functionName: t.functionName, alias: t.alias, version, startMs: 0, endMs: clock.nowMs() },
    ]);
    const [v1, v2] = [counts.v1 ?? 0, counts.v2 ?? 0];
    expect(v2).toBeGreaterThan(0);
    expect(v2 / (v1 + v2)).toBeCloseTo(0.1, 2);
  });
});

describe(`Lambda UpdateAlias: ${UPDATE_ALIAS}`, () => {
  it('points a plain alias at $LATEST (FunctionVersion Pattern: (\\$LATEST|[0-9]+))', () => {
    const lambda = lambdaWithAlias();
    const state = lambda.updateAlias(ALIAS, { FunctionVersion: '$LATEST' }, AT + MINUTE);
    expect(state).toMatchObject({ functionVersion: '$LATEST', additional: null });
  });

  it('refuses a FunctionVersion outside the pattern (\\$LATEST|[0-9]+) with a ValidationException', () => {
    const error = updateError({ FunctionVersion: 'live' });
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(lambdaErrorOf(error)).toEqual({
      awsErrorName: 'ValidationException',
      awsMessage:
        "1 validation error detected: Value 'live' at 'functionVersion' failed to satisfy constraint: Member must " +
        'satisfy regular expression pattern: (\\$LATEST|[0-9]+)',
    });
  });

  it('updates unconditionally when RevisionId is left out ("RevisionId ... Required: No")', async () => {
    const use1 = target('use1');
    const { fleet, targets } = fleetWith({}, [use1]);
    const t = targets[0] as typeof use1;
    const before = await fleet.getAlias(t);
    await fleet.publishVersion(t, { code: { imageUri: 'repo:v2' }, description: 'v2' });
    const updated = await fleet.updateAlias(t, { functionVersion: '2', additional: null });
    expect(updated.functionVersion).toBe('2');
    expect(updated.revisionId).not.toBe(before.revisionId);
  });

  it('refuses a RevisionId that is not the latest with a PreconditionFailedException', () => {
    const lambda = lambdaWithAlias();
    const { revisionId } = lambda.getAlias(ALIAS);
    lambda.updateAlias(ALIAS, { FunctionVersion: '2' }, AT + MINUTE);
    let error: unknown;
    try {
      lambda.updateAlias(ALIAS, { FunctionVersion: '3', RevisionId: revisionId }, AT + 2 * MINUTE);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AliasConflictError);
    expect(lambdaErrorOf(error)).toEqual({
      awsErrorName: 'PreconditionFailedException',
      awsMessage:
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to ' +
        'retrieve the latest Revision Id',
    });
    expect(lambda.getAlias(ALIAS).functionVersion).toBe('2');
  });

  it('gives every update a new RevisionId ("Represents the latest updated revision of the function or alias")', () => {
    const lambda = lambdaWithAlias();
    const first = lambda.getAlias(ALIAS).revisionId;
    const second = lambda.updateAlias(ALIAS, { FunctionVersion: '1' }, AT + MINUTE).revisionId;
    const third = lambda.updateAlias(ALIAS, { RevisionId: second }, AT + 2 * MINUTE).revisionId;
    expect(new Set([first, second, third]).size).toBe(3);
  });

  it('keeps a Description of up to 256 characters and refuses a longer one with a ValidationException', () => {
    const lambda = lambdaWithAlias();
    lambda.updateAlias(ALIAS, { Description: 'd'.repeat(256) }, AT + MINUTE);
    expect(lambda.aliasDescription(ALIAS)).toHaveLength(256);
    const error = updateError({ Description: 'd'.repeat(257) });
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(lambdaErrorOf(error)?.awsErrorName).toBe('ValidationException');
    expect(lambdaErrorOf(error)?.awsMessage).toMatch(
      /at 'description' failed to satisfy constraint: Member must have length less than or equal to 256$/,
    );
  });

  it.each([
    [
      'function',
      { ...ALIAS, functionName: 'nope' },
      {},
      `Function not found: arn:aws:lambda:us-east-1:111122223333:function:nope`,
    ],
    ['alias', { ...ALIAS, alias: 'nope' }, {}, `Cannot find alias arn: ${ARN}:nope`],
    ['version', ALIAS, { FunctionVersion: '9' }, `Function not found: ${ARN}:9`],
    [
      'additional version',
      ALIAS,
      { FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '9': 0.1 } } },
      `Function not found: ${ARN}:9`,
    ],
  ] as const)('answers a missing %s with a ResourceNotFoundException', (_what, ref, request, message) => {
    const error = updateError(request, ref);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(message);
    expect(lambdaErrorOf(error)).toEqual({ awsErrorName: 'ResourceNotFoundException', awsMessage: message });
  });
});

describe('Lambda CreateAlias: https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html (Errors)', () => {
  it('refuses an alias that already exists with a ResourceConflictException', () => {
    const lambda = lambdaWithAlias();
    let error: unknown;
    try {
      lambda.createAlias(ALIAS, '2', AT);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AliasConflictError);
    expect(lambdaErrorOf(error)).toEqual({
      awsErrorName: 'ResourceConflictException',
      awsMessage: `Alias already exists: ${ARN}:live`,
    });
    expect(lambda.getAlias(ALIAS).functionVersion).toBe('1');
  });
});

describe('Lambda GetAlias: https://docs.aws.amazon.com/lambda/latest/api/API_GetAlias.html (Errors)', () => {
  it('answers an alias that does not exist with a ResourceNotFoundException', async () => {
    const use1 = target('use1');
    const { fleet, targets } = fleetWith({}, [use1]);
    const error = await fleet
      .getAlias({ ...(targets[0] as typeof use1), alias: 'nope' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(lambdaErrorOf(error)?.awsErrorName).toBe('ResourceNotFoundException');
  });
});
