import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientProvider } from '../../../src/adapters/aws/clients.js';
import { FunctionUpdateFailedError } from '../../../src/adapters/aws/errors.js';
import { LambdaTrafficRouter } from '../../../src/adapters/aws/lambda-router.js';
import {
  AliasConflictError,
  NotFoundError,
  ThrottledError,
  TransientError,
} from '../../../src/core/errors.js';
import type { AliasRef, Scope } from '../../../src/ports/fleet.js';

const lambdaMock = mockClient(LambdaClient);
const live: AliasRef = {
  account: '222222222222',
  region: 'eu-west-1',
  functionName: 'payments',
  alias: 'live',
};

function buildRouter() {
  const scopes: Scope[] = [];
  const lambda = new LambdaClient({ region: live.region });
  const clients: ClientProvider = {
    lambda: (scope) => {
      scopes.push(scope);
      return lambda;
    },
    cloudWatch: () => new CloudWatchClient({ region: live.region }),
  };
  const router = new LambdaTrafficRouter(clients, {
    maxWaitSeconds: 30,
    minDelaySeconds: 1,
    maxDelaySeconds: 5,
  });
  return { router, scopes };
}

/** Runs `work` on fake timers, letting the SDK waiter's pauses pass until it settles. */
async function withWaiterClock<T>(work: () => Promise<T>): Promise<{ result: Promise<T>; waitedMs: number }> {
  const startMs = Date.now();
  const result = work();
  result.catch(() => {});
  let settled = false;
  result.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled && Date.now() - startMs < 120_000) await vi.advanceTimersByTimeAsync(250);
  return { result, waitedMs: Date.now() - startMs };
}

/** The inputs of every call of one command, in order: exact shapes, not just contained fields. */
function sentInputs(command: Parameters<typeof lambdaMock.commandCalls>[0]) {
  return lambdaMock.commandCalls(command).map((call) => call.args[0].input);
}

describe('LambdaTrafficRouter', () => {
  beforeEach(() => {
    lambdaMock.reset();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('getAlias', () => {
    it('reads the version, the additional version with its weight and the RevisionId', async () => {
      // Prepare
      const { router, scopes } = buildRouter();
      lambdaMock.on(GetAliasCommand).resolves({
        Name: 'live',
        FunctionVersion: '7',
        RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } },
        RevisionId: 'rev-1',
      });

      // Act
      const state = await router.getAlias(live);

      // Assess
      expect(state).toEqual({
        functionVersion: '7',
        additional: { version: '8', weight: 0.1 },
        revisionId: 'rev-1',
      });
      expect(lambdaMock).toHaveReceivedCommandExactlyOnceWith(GetAliasCommand, {
        FunctionName: 'payments',
        Name: 'live',
      });
      expect(scopes).toEqual([live]);
    });

    it.each([
      ['no RoutingConfig', undefined],
      ['an empty weight map', { AdditionalVersionWeights: {} }],
    ])('reports no additional version when the alias has %s', async (_label, routingConfig) => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock
        .on(GetAliasCommand)
        .resolves({ FunctionVersion: '7', RoutingConfig: routingConfig, RevisionId: 'r' });

      // Act
      const state = await router.getAlias(live);

      // Assess
      expect(state.additional).toBeNull();
    });

    it('turns a missing alias into a NotFoundError that keeps the SDK error as cause', async () => {
      // Prepare
      const { router } = buildRouter();
      const notFound = new ResourceNotFoundException({ message: 'Cannot find alias', $metadata: {} });
      lambdaMock.on(GetAliasCommand).rejects(notFound);

      // Act
      const result = router.getAlias(live);

      // Assess
      await expect(result).rejects.toBeInstanceOf(NotFoundError);
      await expect(result).rejects.toMatchObject({
        cause: notFound,
        message: expect.stringMatching(/^GetAlias payments:live in eu-west-1 \(account 222222222222\)/),
      });
    });
  });

  describe('updateAlias', () => {
    it('sends the version, the RevisionId and the additional version weight', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock.on(UpdateAliasCommand).resolves({
        FunctionVersion: '7',
        RoutingConfig: { AdditionalVersionWeights: { '8': 0.33 } },
        RevisionId: 'rev-2',
      });

      // Act
      const state = await router.updateAlias(live, {
        functionVersion: '7',
        additional: { version: '8', weight: 0.33 },
        revisionId: 'rev-1',
      });

      // Assess
      expect(sentInputs(UpdateAliasCommand)).toEqual([
        {
          FunctionName: 'payments',
          Name: 'live',
          FunctionVersion: '7',
          RevisionId: 'rev-1',
          RoutingConfig: { AdditionalVersionWeights: { '8': 0.33 } },
        },
      ]);
      expect(state).toEqual({
        functionVersion: '7',
        additional: { version: '8', weight: 0.33 },
        revisionId: 'rev-2',
      });
    });

    it('clears the routing config when no additional version is given', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock.on(UpdateAliasCommand).resolves({ FunctionVersion: '8', RevisionId: 'rev-3' });

      // Act
      const state = await router.updateAlias(live, {
        functionVersion: '8',
        additional: null,
        revisionId: 'rev-2',
      });

      // Assess
      expect(sentInputs(UpdateAliasCommand)).toEqual([
        {
          FunctionName: 'payments',
          Name: 'live',
          FunctionVersion: '8',
          RevisionId: 'rev-2',
          RoutingConfig: { AdditionalVersionWeights: {} },
        },
      ]);
      expect(state).toEqual({ functionVersion: '8', additional: null, revisionId: 'rev-3' });
    });

    it('turns a RevisionId mismatch into an AliasConflictError', async () => {
      // Prepare
      const { router } = buildRouter();
      const mismatch = new PreconditionFailedException({
        message: 'The Revision Id provided does not match the latest Revision Id.',
        $metadata: { httpStatusCode: 412 },
      });
      lambdaMock.on(UpdateAliasCommand).rejects(mismatch);

      // Act
      const result = router.updateAlias(live, {
        functionVersion: '7',
        additional: null,
        revisionId: 'stale',
      });

      // Assess
      await expect(result).rejects.toBeInstanceOf(AliasConflictError);
      await expect(result).rejects.toMatchObject({ name: 'AliasConflictError', cause: mismatch });
    });

    it('turns throttling into a ThrottledError that names the alias and region', async () => {
      // Prepare
      const { router } = buildRouter();
      const throttled = new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
      lambdaMock.on(UpdateAliasCommand).rejects(throttled);

      // Act
      const result = router.updateAlias(live, { functionVersion: '7', additional: null, revisionId: 'r' });

      // Assess
      await expect(result).rejects.toBeInstanceOf(ThrottledError);
      await expect(result).rejects.toMatchObject({
        cause: throttled,
        message: expect.stringMatching(/^UpdateAlias payments:live in eu-west-1 .*was throttled/),
      });
    });
  });

  describe('assertVersionExists', () => {
    it('reads the configuration of exactly that version', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({ Version: '8' });

      // Act
      await router.assertVersionExists(live, '8');

      // Assess
      expect(sentInputs(GetFunctionConfigurationCommand)).toEqual([
        { FunctionName: 'payments', Qualifier: '8' },
      ]);
    });

    it('fails with NotFoundError when the version does not exist', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock
        .on(GetFunctionConfigurationCommand)
        .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));

      // Act
      const result = router.assertVersionExists(live, '99');

      // Assess
      await expect(result).rejects.toBeInstanceOf(NotFoundError);
      await expect(result).rejects.toThrow(/GetFunctionConfiguration payments version 99 in eu-west-1/);
    });
  });

  describe('publishVersion', () => {
    it('publishes without touching the code when no code is given', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock.on(PublishVersionCommand).resolves({ Version: '9', CodeSha256: 'sha-9', State: 'Active' });

      // Act
      const published = await router.publishVersion(live, { description: 'deployment d-1' });

      // Assess
      expect(published).toEqual({ version: '9', codeSha256: 'sha-9' });
      expect(lambdaMock).not.toHaveReceivedCommand(UpdateFunctionCodeCommand);
      expect(sentInputs(PublishVersionCommand)).toEqual([
        { FunctionName: 'payments', Description: 'deployment d-1' },
      ]);
    });

    it('updates the code from S3, waits until the update succeeded, then publishes that exact code', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock
        .on(UpdateFunctionCodeCommand)
        .resolves({ CodeSha256: 'sha-new', LastUpdateStatus: 'InProgress' });
      lambdaMock
        .on(GetFunctionConfigurationCommand)
        .resolvesOnce({ LastUpdateStatus: 'InProgress' })
        .resolvesOnce({ LastUpdateStatus: 'Successful' });
      lambdaMock
        .on(PublishVersionCommand)
        .resolves({ Version: '10', CodeSha256: 'sha-new', State: 'Active' });

      // Act
      const { result } = await withWaiterClock(() =>
        router.publishVersion(live, {
          code: { s3Bucket: 'artifacts', s3Key: 'payments/abc123.zip' },
          description: 'commit abc123',
        }),
      );
      const published = await result;

      // Assess
      expect(published).toEqual({ version: '10', codeSha256: 'sha-new' });
      expect(sentInputs(UpdateFunctionCodeCommand)).toEqual([
        { FunctionName: 'payments', S3Bucket: 'artifacts', S3Key: 'payments/abc123.zip' },
      ]);
      expect(sentInputs(GetFunctionConfigurationCommand)).toEqual([
        { FunctionName: 'payments' },
        { FunctionName: 'payments' },
      ]);
      expect(sentInputs(PublishVersionCommand)).toEqual([
        { FunctionName: 'payments', Description: 'commit abc123', CodeSha256: 'sha-new' },
      ]);
    });

    it('keeps waiting through a throttled status read', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock
        .on(UpdateFunctionCodeCommand)
        .resolves({ CodeSha256: 'sha-new', LastUpdateStatus: 'InProgress' });
      lambdaMock
        .on(GetFunctionConfigurationCommand)
        .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }))
        .resolvesOnce({ LastUpdateStatus: 'Successful' });
      lambdaMock
        .on(PublishVersionCommand)
        .resolves({ Version: '10', CodeSha256: 'sha-new', State: 'Active' });

      // Act
      const { result } = await withWaiterClock(() =>
        router.publishVersion(live, { code: { s3Bucket: 'b', s3Key: 'k' }, description: 'c' }),
      );

      // Assess
      await expect(result).resolves.toEqual({ version: '10', codeSha256: 'sha-new' });
      expect(lambdaMock).toHaveReceivedCommandTimes(GetFunctionConfigurationCommand, 2);
    });

    it('updates the code from a container image', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock
        .on(UpdateFunctionCodeCommand)
        .resolves({ CodeSha256: 'sha-img', LastUpdateStatus: 'Successful' });
      lambdaMock
        .on(PublishVersionCommand)
        .resolves({ Version: '11', CodeSha256: 'sha-img', State: 'Active' });

      // Act
      await router.publishVersion(live, {
        code: { imageUri: '222222222222.dkr.ecr.eu-west-1.amazonaws.com/payments:abc' },
        description: 'image abc',
      });

      // Assess
      expect(sentInputs(UpdateFunctionCodeCommand)).toEqual([
        { FunctionName: 'payments', ImageUri: '222222222222.dkr.ecr.eu-west-1.amazonaws.com/payments:abc' },
      ]);
      expect(lambdaMock).not.toHaveReceivedCommand(GetFunctionConfigurationCommand);
      expect(lambdaMock).toHaveReceivedCommandWith(PublishVersionCommand, { CodeSha256: 'sha-img' });
    });

    it('fails terminally, quoting Lambda’s reason, when the code update failed', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock
        .on(UpdateFunctionCodeCommand)
        .resolves({ CodeSha256: 'sha-bad', LastUpdateStatus: 'InProgress' });
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({
        LastUpdateStatus: 'Failed',
        LastUpdateStatusReason: 'The image manifest or layer media type is not supported.',
        LastUpdateStatusReasonCode: 'ImageAccessDenied',
      });

      // Act
      const { result } = await withWaiterClock(() =>
        router.publishVersion(live, { code: { imageUri: 'repo:bad' }, description: 'bad' }),
      );

      // Assess
      await expect(result).rejects.toBeInstanceOf(FunctionUpdateFailedError);
      await expect(result).rejects.toThrow(/The image manifest or layer media type is not supported/);
      await expect(result).rejects.toMatchObject({ retryable: false });
      expect(lambdaMock).not.toHaveReceivedCommand(PublishVersionCommand);
    });

    it('gives up with a retryable TransientError after maxWaitSeconds, before the Lambda timeout', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock
        .on(UpdateFunctionCodeCommand)
        .resolves({ CodeSha256: 'sha-slow', LastUpdateStatus: 'InProgress' });
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({ LastUpdateStatus: 'InProgress' });

      // Act
      const { result, waitedMs } = await withWaiterClock(() =>
        router.publishVersion(live, { code: { s3Bucket: 'b', s3Key: 'k' }, description: 'slow' }),
      );

      // Assess
      await expect(result).rejects.toBeInstanceOf(TransientError);
      await expect(result).rejects.toMatchObject({ retryable: true });
      await expect(result).rejects.toThrow(
        /code update of payments in eu-west-1 has not finished after 30 s/,
      );
      expect(waitedMs).toBeLessThanOrEqual(30_000);
      expect(waitedMs).toBeGreaterThan(20_000);
      expect(lambdaMock.commandCalls(GetFunctionConfigurationCommand).length).toBeGreaterThan(2);
      expect(lambdaMock).not.toHaveReceivedCommand(PublishVersionCommand);
    });

    it('waits for a Pending version to become Active before handing it out', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock
        .on(PublishVersionCommand)
        .resolves({ Version: '12', CodeSha256: 'sha-12', State: 'Pending' });
      lambdaMock
        .on(GetFunctionConfigurationCommand)
        .resolvesOnce({ Version: '12', State: 'Pending' })
        .resolvesOnce({ Version: '12', State: 'Active' });

      // Act
      const { result } = await withWaiterClock(() =>
        router.publishVersion(live, { description: 'snapstart' }),
      );

      // Assess
      await expect(result).resolves.toEqual({ version: '12', codeSha256: 'sha-12' });
      expect(sentInputs(GetFunctionConfigurationCommand)).toEqual([
        { FunctionName: 'payments', Qualifier: '12' },
        { FunctionName: 'payments', Qualifier: '12' },
      ]);
    });

    it('fails terminally, quoting Lambda’s reason, when the new version cannot become Active', async () => {
      // Prepare
      const { router } = buildRouter();
      lambdaMock
        .on(PublishVersionCommand)
        .resolves({ Version: '13', CodeSha256: 'sha-13', State: 'Pending' });
      lambdaMock.on(GetFunctionConfigurationCommand).resolves({
        Version: '13',
        State: 'Failed',
        StateReason: 'The function could not be initialized.',
        StateReasonCode: 'InternalError',
      });

      // Act
      const { result } = await withWaiterClock(() => router.publishVersion(live, { description: 'bad' }));

      // Assess
      await expect(result).rejects.toBeInstanceOf(FunctionUpdateFailedError);
      await expect(result).rejects.toThrow(
        /Version 13 of payments .*could not be initialized.*InternalError/,
      );
    });
  });
});
