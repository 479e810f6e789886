import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/*
 * The credential chain of the Lambda bundles, in place of `@aws-sdk/credential-provider-node`
 * (an esbuild alias in infra/constructs/control-plane.ts BUNDLING). Lambda hands a function its
 * execution role's credentials in the environment, the first link of the SDK's default chain; the
 * other links (SSO, shared config files, credential processes, web identity, IMDS) never answer
 * in Lambda, and with their STS, SSO and sign-in clients they are ~90 KB a cold start would parse
 * for nothing. Tests and the embedded engine run with the SDK's own chain.
 */

/** The error the SDK's chain throws when a link has no credentials (it is matched by name). */
class CredentialsProviderError extends Error {
  override readonly name = 'CredentialsProviderError';
  readonly tryNextLink = false;
}

/** The execution role's credentials, from the variables Lambda sets. */
export function defaultProvider(): AwsCredentialIdentityProvider {
  return async (): Promise<AwsCredentialIdentity> => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new CredentialsProviderError(
        'expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, as Lambda sets them: this bundle reads credentials from nowhere else',
      );
    }
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  };
}

/** The environment's credentials have no expiry Lambda tells: never treated as expired. */
export const credentialsWillNeedRefresh = (): boolean => false;
export const credentialsTreatedAsExpired = (): boolean => false;
