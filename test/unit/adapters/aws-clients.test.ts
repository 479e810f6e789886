import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import {
  type AssumeRoleRequest,
  AwsClientProvider,
  type AwsClientProviderOptions,
  type ClientConfig,
} from '../../../src/adapters/aws/clients.js';
import { InvalidInputError } from '../../../src/core/errors.js';

const HOME = '111111111111';
const TARGET = '222222222222';
const MINUTE_MS = 60_000;

/** A provider wired to recording factories, so no client ever reaches the network. */
function buildProvider(options: Partial<AwsClientProviderOptions> = {}) {
  const lambdaConfigs: ClientConfig[] = [];
  const cloudWatchConfigs: ClientConfig[] = [];
  const assumed: AssumeRoleRequest[] = [];
  const clock = { now: 1_000_000_000_000, nowMs: () => clock.now };
  let stsCalls = 0;
  const provider = new AwsClientProvider({
    homeAccount: HOME,
    clock,
    createLambdaClient: (config) => {
      lambdaConfigs.push(config);
      return new LambdaClient({ region: config.region });
    },
    createCloudWatchClient: (config) => {
      cloudWatchConfigs.push(config);
      return new CloudWatchClient({ region: config.region });
    },
    assumeRole: (request) => {
      assumed.push(request);
      return async () => {
        stsCalls += 1;
        return {
          accessKeyId: `AKIA${stsCalls}`,
          secretAccessKey: 'secret',
          sessionToken: 'token',
          expiration: new Date(clock.now + 60 * MINUTE_MS),
        };
      };
    },
    ...options,
  });
  return { provider, lambdaConfigs, cloudWatchConfigs, assumed, clock, stsCalls: () => stsCalls };
}

describe('AwsClientProvider', () => {
  it('uses the default credentials in the control plane account', () => {
    // Prepare
    const { provider, lambdaConfigs, assumed } = buildProvider();

    // Act
    provider.lambda({ account: HOME, region: 'eu-west-1' });

    // Assess
    expect(lambdaConfigs).toEqual([{ region: 'eu-west-1' }]);
    expect(assumed).toEqual([]);
  });

  it('assumes the breakwater-target role in another account', () => {
    // Prepare
    const { provider, lambdaConfigs, assumed } = buildProvider();

    // Act
    provider.lambda({ account: TARGET, region: 'eu-west-1' });

    // Assess
    expect(assumed).toEqual([
      {
        roleArn: 'arn:aws:iam::222222222222:role/breakwater-target',
        roleSessionName: 'breakwater',
        region: 'eu-west-1',
      },
    ]);
    expect(lambdaConfigs).toHaveLength(1);
    expect(lambdaConfigs[0]?.region).toBe('eu-west-1');
    expect(lambdaConfigs[0]?.credentials).toBeTypeOf('function');
  });

  it('builds the role ARN from a custom template and session name', () => {
    // Prepare
    const { provider, assumed } = buildProvider({
      roleArnTemplate: 'arn:aws-cn:iam::{account}:role/deployer',
      roleSessionName: 'breakwater-prod',
    });

    // Act
    provider.cloudWatch({ account: TARGET, region: 'cn-north-1' });

    // Assess
    expect(assumed).toEqual([
      {
        roleArn: 'arn:aws-cn:iam::222222222222:role/deployer',
        roleSessionName: 'breakwater-prod',
        region: 'cn-north-1',
      },
    ]);
  });

  it('returns the same client for the same scope and builds a new one per region', () => {
    // Prepare
    const { provider, lambdaConfigs } = buildProvider();

    // Act
    const first = provider.lambda({ account: TARGET, region: 'us-east-1' });
    const again = provider.lambda({ account: TARGET, region: 'us-east-1' });
    const otherRegion = provider.lambda({ account: TARGET, region: 'us-west-2' });

    // Assess
    expect(again).toBe(first);
    expect(otherRegion).not.toBe(first);
    expect(lambdaConfigs.map((config) => config.region)).toEqual(['us-east-1', 'us-west-2']);
  });

  it('assumes the role once per account for every client and region of it', async () => {
    // Prepare
    const { provider, lambdaConfigs, cloudWatchConfigs, assumed, stsCalls } = buildProvider();
    provider.lambda({ account: TARGET, region: 'us-east-1' });
    provider.cloudWatch({ account: TARGET, region: 'us-west-2' });
    const lambdaCredentials = lambdaConfigs[0]!.credentials!;
    const cloudWatchCredentials = cloudWatchConfigs[0]!.credentials!;

    // Act
    const [a, b] = await Promise.all([lambdaCredentials(), cloudWatchCredentials()]);

    // Assess
    expect(assumed).toHaveLength(1);
    expect(stsCalls()).toBe(1);
    expect(a).toBe(b);
  });

  it('renews assumed credentials five minutes before they expire, not earlier', async () => {
    // Prepare
    const { provider, lambdaConfigs, clock, stsCalls } = buildProvider();
    provider.lambda({ account: TARGET, region: 'us-east-1' });
    const credentials = lambdaConfigs[0]!.credentials!;
    const first = await credentials();

    // Act
    clock.now += 54 * MINUTE_MS;
    const beforeMargin = await credentials();
    clock.now += 2 * MINUTE_MS;
    const insideMargin = await credentials();

    // Assess
    expect(beforeMargin).toBe(first);
    expect(insideMargin.accessKeyId).toBe('AKIA2');
    expect(stsCalls()).toBe(2);
  });

  it('tries again after a failed role assumption instead of caching the failure', async () => {
    // Prepare
    let attempts = 0;
    const configs: ClientConfig[] = [];
    const provider = new AwsClientProvider({
      homeAccount: HOME,
      createLambdaClient: (config) => {
        configs.push(config);
        return new LambdaClient({ region: config.region });
      },
      assumeRole: () => async () => {
        attempts += 1;
        if (attempts === 1) {
          throw new Error('AccessDenied');
        }
        return { accessKeyId: 'AKIA', secretAccessKey: 'secret' };
      },
    });
    provider.lambda({ account: TARGET, region: 'us-east-1' });
    const credentials = configs[0]!.credentials!;

    // Act
    const failed = credentials();
    await expect(failed).rejects.toThrow('AccessDenied');
    const retried = await credentials();

    // Assess
    expect(retried.accessKeyId).toBe('AKIA');
    expect(attempts).toBe(2);
  });

  it('uses the default STS role assumption when none is injected', () => {
    // Prepare
    const configs: ClientConfig[] = [];
    const provider = new AwsClientProvider({
      homeAccount: HOME,
      createLambdaClient: (config) => {
        configs.push(config);
        return new LambdaClient({ region: config.region });
      },
    });

    // Act
    provider.lambda({ account: TARGET, region: 'us-east-1' });

    // Assess
    expect(configs[0]?.credentials).toBeTypeOf('function');
    expect(provider.roleArnFor(TARGET)).toBe('arn:aws:iam::222222222222:role/breakwater-target');
  });

  it('rejects a malformed home account and a template without {account}, quoting both', () => {
    // Act
    const build = () =>
      new AwsClientProvider({ homeAccount: '1234', roleArnTemplate: 'arn:aws:iam::1:role/x' });

    // Assess
    expect(build).toThrow(InvalidInputError);
    expect(build).toThrow(/homeAccount: expected a 12-digit AWS account id, got "1234"/);
    expect(build).toThrow(/roleArnTemplate: expected a role ARN containing \{account\}/);
  });

  it('rejects a malformed target account before assuming any role', () => {
    // Prepare
    const { provider, assumed } = buildProvider();

    // Act
    const build = () => provider.lambda({ account: 'prod', region: 'us-east-1' });

    // Assess
    expect(build).toThrow(/account: expected a 12-digit AWS account id, got "prod"/);
    expect(assumed).toEqual([]);
  });
});
