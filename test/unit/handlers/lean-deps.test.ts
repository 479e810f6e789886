import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../../functions/lib/lambda-credentials.js';
import { ScopedClientProvider } from '../../../src/adapters/aws/scoped-clients.js';
import { unwiredPort } from '../../../src/workflow/deps.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the Lambda credential chain (lambda-credentials.ts)', () => {
  it('returns the execution role credentials Lambda puts in the environment', async () => {
    // Prepare
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');

    // Act
    const identity = await defaultProvider()();

    // Assess
    expect(identity).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('fails naming the variables it expected when the environment has no credentials', async () => {
    // Prepare
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');

    // Act
    const fetched = defaultProvider()();

    // Assess
    await expect(fetched).rejects.toMatchObject({
      name: 'CredentialsProviderError',
      message: expect.stringContaining('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'),
    });
  });
});

describe('a step Lambda built without a port', () => {
  it('fails a call to that port naming the port and where to add it', () => {
    // Prepare
    const router = unwiredPort('router');

    // Act
    const call = () =>
      router.getAlias({ account: '111111111111', region: 'eu-west-1', functionName: 'f', alias: 'live' });

    // Assess
    expect(call).toThrow(/built without the router port \(called getAlias\).*lambdaDeps\(\)/);
  });

  it('has a client provider that refuses a client or account it was given no factory for', () => {
    // Prepare
    const clients = new ScopedClientProvider({ homeAccount: '111111111111' });

    // Act
    const lambda = () => clients.lambda({ account: '111111111111', region: 'eu-west-1' });
    const inTargetAccount = () => clients.lambda({ account: '222222222222', region: 'eu-west-1' });

    // Assess
    expect(lambda).toThrow(/no createLambdaClient given/);
    expect(inTargetAccount).toThrow(/no assumeRole given/);
  });
});
