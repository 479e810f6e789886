import { describe, expect, it } from 'vitest';
import { AliasConflictError, InvalidInputError, NotFoundError } from '../../../src/core/errors.js';
import { LambdaService, lambdaErrorOf } from '../../../src/local/fleet/index.js';
import { fleetWith, MINUTE, target } from './fixtures.js';

describe('FleetSimulator as a TrafficRouter (Lambda alias semantics)', () => {
  it('starts every alias on version 1 with all traffic there', async () => {
    const { fleet, targets } = fleetWith({});
    const alias = await fleet.getAlias(targets[0]!);
    expect(alias).toMatchObject({ functionVersion: '1', additional: null });
    expect(fleet.routing('use1')).toMatchObject({
      primaryVersion: '1',
      additionalVersion: null,
      additionalPercent: 0,
    });
  });

  it('starts on the given initial version, with the earlier versions published', async () => {
    const { fleet, targets } = fleetWith({}, [target('use1', { initialVersion: '7' })]);
    expect((await fleet.getAlias(targets[0]!)).functionVersion).toBe('7');
    await expect(fleet.assertVersionExists(targets[0]!, '3')).resolves.toBeUndefined();
    expect(fleet.versions('use1').map((v) => v.role)).toEqual(Array(7).fill('baseline'));
  });

  it('refuses an update with a stale RevisionId and changes the RevisionId on every update', async () => {
    const { fleet, targets } = fleetWith({});
    const t = targets[0]!;
    const before = await fleet.getAlias(t);
    const version = (await fleet.publishVersion(t, { code: { imageUri: 'repo:v2' }, description: 'v2' }))
      .version;
    const after = await fleet.updateAlias(t, {
      functionVersion: '1',
      additional: { version, weight: 0.1 },
      revisionId: before.revisionId,
    });
    expect(after.revisionId).not.toBe(before.revisionId);
    await expect(
      fleet.updateAlias(t, { functionVersion: '1', additional: null, revisionId: before.revisionId }),
    ).rejects.toBeInstanceOf(AliasConflictError);
    const same = await fleet.updateAlias(t, {
      functionVersion: '1',
      additional: { version, weight: 0.1 },
      revisionId: after.revisionId,
    });
    expect(same.revisionId).not.toBe(after.revisionId);
  });

  it('routes to one additional version only: a new one replaces the previous', async () => {
    const { fleet, targets } = fleetWith({});
    const t = targets[0]!;
    const v2 = (await fleet.publishVersion(t, { code: { imageUri: 'repo:v2' }, description: 'v2' })).version;
    const v3 = (await fleet.publishVersion(t, { code: { imageUri: 'repo:v3' }, description: 'v3' })).version;
    let alias = await fleet.getAlias(t);
    alias = await fleet.updateAlias(t, {
      functionVersion: '1',
      additional: { version: v2, weight: 0.1 },
      revisionId: alias.revisionId,
    });
    alias = await fleet.updateAlias(t, {
      functionVersion: '1',
      additional: { version: v3, weight: 0.2 },
      revisionId: alias.revisionId,
    });
    expect(alias.additional).toEqual({ version: v3, weight: 0.2 });
    expect(fleet.routing('use1')).toMatchObject({ additionalVersion: v3, additionalPercent: 20 });
  });

  it.each([
    [
      '$LATEST as the additional version',
      { functionVersion: '1', additional: { version: '$LATEST', weight: 0.1 } },
    ],
    [
      '$LATEST as the primary version of a weighted alias',
      { functionVersion: '$LATEST', additional: { version: '2', weight: 0.1 } },
    ],
    ['a weight above 1.0', { functionVersion: '1', additional: { version: '2', weight: 1.01 } }],
    ['a negative weight', { functionVersion: '1', additional: { version: '2', weight: -0.1 } }],
    [
      'the primary as the additional version',
      { functionVersion: '2', additional: { version: '2', weight: 0.5 } },
    ],
  ])('refuses %s', async (_what, routing) => {
    const { fleet, targets } = fleetWith({});
    const t = targets[0]!;
    await fleet.publishVersion(t, { code: { imageUri: 'repo:v2' }, description: 'v2' });
    const { revisionId } = await fleet.getAlias(t);
    await expect(fleet.updateAlias(t, { ...routing, revisionId })).rejects.toBeInstanceOf(InvalidInputError);
    expect(fleet.aliasHistory('use1')).toHaveLength(1);
  });

  it('throws NotFoundError for an unknown function, alias or version', async () => {
    const { fleet, targets } = fleetWith({});
    const t = targets[0]!;
    await expect(fleet.getAlias({ ...t, functionName: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(fleet.getAlias({ ...t, alias: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(fleet.assertVersionExists(t, '9')).rejects.toBeInstanceOf(NotFoundError);
    const { revisionId } = await fleet.getAlias(t);
    await expect(
      fleet.updateAlias(t, { functionVersion: '1', additional: { version: '9', weight: 0.1 }, revisionId }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('publishes unchanged code once: a retried publish returns the same version', async () => {
    const { fleet, targets } = fleetWith({});
    const t = targets[0]!;
    const code = { s3Bucket: 'artifacts', s3Key: 'payments/abc123.zip' };
    const first = await fleet.publishVersion(t, { code, description: 'abc123' });
    const again = await fleet.publishVersion(t, { code, description: 'abc123 (retry)' });
    const noCode = await fleet.publishVersion(t, { description: 'no code change' });
    expect(first.version).toBe('2');
    expect(again).toEqual(first);
    expect(noCode).toEqual(first);
    const next = await fleet.publishVersion(t, {
      code: { s3Bucket: 'artifacts', s3Key: 'payments/def456.zip' },
      description: 'def456',
    });
    expect(next.version).toBe('3');
    expect(next.codeSha256).not.toBe(first.codeSha256);
    expect(fleet.versions('use1').map((v) => [v.version, v.role])).toEqual([
      ['1', 'baseline'],
      ['2', 'candidate'],
      ['3', 'candidate'],
    ]);
  });

  it('keeps a timestamped history of every routing change', async () => {
    const { fleet, clock, targets } = fleetWith({});
    const t = targets[0]!;
    const v2 = (await fleet.publishVersion(t, { code: { imageUri: 'repo:v2' }, description: 'v2' })).version;
    clock.advance(5 * MINUTE);
    let alias = await fleet.getAlias(t);
    alias = await fleet.updateAlias(t, {
      functionVersion: '1',
      additional: { version: v2, weight: 0.1 },
      revisionId: alias.revisionId,
    });
    clock.advance(30 * MINUTE);
    await fleet.updateAlias(t, { functionVersion: v2, additional: null, revisionId: alias.revisionId });
    const history = fleet.aliasHistory('use1');
    expect(
      history.map((h) => [h.atMs - history[0]!.atMs, h.functionVersion, h.additional?.weight ?? null]),
    ).toEqual([
      [0, '1', null],
      [5 * MINUTE, '1', 0.1],
      [35 * MINUTE, v2, null],
    ]);
  });

  it("carries Lambda's error name and message on the domain errors it throws", async () => {
    const { fleet, targets } = fleetWith({});
    const t = targets[0]!;
    const { revisionId } = await fleet.getAlias(t);
    await fleet.updateAlias(t, { functionVersion: '1', additional: null, revisionId });
    const stale = await fleet
      .updateAlias(t, { functionVersion: '1', additional: null, revisionId })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(AliasConflictError);
    expect(lambdaErrorOf(stale)?.awsErrorName).toBe('PreconditionFailedException');
    const missing = await fleet.assertVersionExists(t, '9').catch((e: unknown) => e);
    expect(lambdaErrorOf(missing)).toMatchObject({ awsErrorName: 'ResourceNotFoundException' });
    expect(lambdaErrorOf(new Error('plain'))).toBeUndefined();
  });

  it('sends traffic on a $LATEST alias to the code last published, with its role', async () => {
    const { fleet, clock, targets } = fleetWith({ candidate: { errorRate: 1, latencyMs: 100 } });
    const t = targets[0]!;
    await fleet.publishVersion(t, { code: { imageUri: 'repo:v2' }, description: 'v2' });
    await fleet.updateAlias(t, { functionVersion: '$LATEST', additional: null });
    await expect(fleet.assertVersionExists(t, '$LATEST')).resolves.toBeUndefined();
    const fromMs = clock.nowMs();
    clock.advance(2 * MINUTE);
    const request = { version: '$LATEST', fromMs, toMs: clock.nowMs() } as const;
    const invocations = fleet.metricData('use1', { ...request, metric: 'Invocations' });
    const errors = fleet.metricData('use1', { ...request, metric: 'Errors' });
    expect(invocations.length).toBe(2);
    // $LATEST runs version 2's code: the candidate, which fails every call in this scenario.
    expect(errors).toEqual(invocations);
  });
});

describe('LambdaService.updateAlias with fields left out', () => {
  const ref = { account: '111122223333', region: 'us-east-1', functionName: 'payments', alias: 'live' };
  const lambda = () => {
    const service = new LambdaService();
    service.ensureFunction(ref, 3, 0);
    service.createAlias(ref, '1', 0);
    service.updateAlias(
      ref,
      { FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.2 } } },
      1,
    );
    return service;
  };

  it('keeps the routing when RoutingConfig is left out, and the version when FunctionVersion is', () => {
    const service = lambda();
    expect(service.updateAlias(ref, { Description: 'fenced' }, 2)).toMatchObject({
      functionVersion: '1',
      additional: { version: '2', weight: 0.2 },
    });
    expect(service.aliasDescription(ref)).toBe('fenced');
  });

  it('refuses a new FunctionVersion equal to the kept additional version', () => {
    expect(() => lambda().updateAlias(ref, { FunctionVersion: '2' }, 2)).toThrow(
      /Function version 2 is already included in routing configuration/,
    );
  });
});
