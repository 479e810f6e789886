/*
 * The SDK clients the control plane builds, one factory each. The SDK packages are free of side
 * effects, so a bundle keeps only the clients whose factories it calls.
 */

import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { MAX_HOOK_TIMEOUT_SECONDS } from '../../core/hook-limits.js';
import type { AssumeRoleRequest, ClientConfig } from './scoped-clients.js';

/**
 * A hung call must end well inside the step's Lambda timeout (functions/lib/step-timeouts.ts):
 * 3 s to connect, 10 s for an answer, per attempt of the SDK's 3.
 */
const REQUEST_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

export function createLambdaClient(config: ClientConfig): LambdaClient {
  return new LambdaClient({ ...config, requestHandler: REQUEST_TIMEOUTS });
}

export function createCloudWatchClient(config: ClientConfig): CloudWatchClient {
  return new CloudWatchClient({ ...config, requestHandler: REQUEST_TIMEOUTS });
}

/**
 * For deployment hooks: one attempt (retrying after a reset could run a hook twice; the step's
 * own retry decides) and a request timeout above the longest hook timeout (the invoker aborts
 * at the hook's own).
 */
export function createHookLambdaClient(config: ClientConfig): LambdaClient {
  return new LambdaClient({
    ...config,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: (MAX_HOOK_TIMEOUT_SECONDS + 30) * 1000 },
  });
}

/** The default role assumption: STS AssumeRole in the target's region with the default credentials. */
export function assumeRoleWithSts(request: AssumeRoleRequest): AwsCredentialIdentityProvider {
  return fromTemporaryCredentials({
    params: { RoleArn: request.roleArn, RoleSessionName: request.roleSessionName },
    clientConfig: { region: request.region },
  });
}
