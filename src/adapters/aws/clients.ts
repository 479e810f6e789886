/*
 * SDK clients for the accounts and regions Breakwater deploys into: ScopedClientProvider
 * (scoped-clients.ts) with every client factory and the STS role assumption defaulted.
 */

import {
  assumeRoleWithSts,
  createCloudWatchClient,
  createHookLambdaClient,
  createLambdaClient,
} from './client-factories.js';
import { ScopedClientProvider, type ScopedClientProviderOptions } from './scoped-clients.js';

export {
  type AssumeRoleRequest,
  type ClientConfig,
  type ClientProvider,
  CREDENTIAL_REFRESH_MARGIN_MS,
  DEFAULT_ROLE_ARN_TEMPLATE,
} from './scoped-clients.js';

export interface AwsClientProviderOptions extends ScopedClientProviderOptions {
  /**
   * Builds the credential provider for a role. Its results are cached per account until five
   * minutes before they expire.
   * @default STS AssumeRole through `fromTemporaryCredentials` of `@aws-sdk/credential-providers`
   */
  readonly assumeRole?: ScopedClientProviderOptions['assumeRole'];
}

/**
 * Builds and caches Lambda and CloudWatch clients per {account, region}. The home account uses
 * the default credential chain (the Lambda's execution role); any other account is reached by
 * assuming a role built from a template, with one cached session per account shared by all of
 * its regions and clients.
 *
 * @example
 * ```ts
 * const clients = new AwsClientProvider({ homeAccount: '111111111111' });
 * const router = new LambdaTrafficRouter(clients);
 * // Assumes arn:aws:iam::222222222222:role/breakwater-target on first use.
 * await router.getAlias({ account: '222222222222', region: 'eu-west-1', functionName: 'payments', alias: 'live' });
 * ```
 */
export class AwsClientProvider extends ScopedClientProvider {
  constructor(options: AwsClientProviderOptions) {
    super({
      ...options,
      createHookLambdaClient: options.createHookLambdaClient ?? createHookLambdaClient,
      createLambdaClient: options.createLambdaClient ?? createLambdaClient,
      createCloudWatchClient: options.createCloudWatchClient ?? createCloudWatchClient,
      assumeRole: options.assumeRole ?? assumeRoleWithSts,
    });
  }
}
