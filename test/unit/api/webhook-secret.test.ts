import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { readWebhookEnv, resolveWebhookSecret } from '../../../functions/lib/api-deps.js';

const base = {
  TABLE_NAME: 'breakwater',
  DEPLOYMENT_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:breakwater-Deployment',
  RELEASE_ROLLBACK_STATE_MACHINE_ARN:
    'arn:aws:states:us-east-1:123456789012:stateMachine:breakwater-ReleaseRollback',
};
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:breakwater-github-AbCdEf';

describe('GitHub webhook secret', () => {
  it('reads the secret value from Secrets Manager by ARN', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 's3cr3t' });

    const secret = await resolveWebhookSecret(
      readWebhookEnv({ ...base, GITHUB_WEBHOOK_SECRET_ARN: ARN }),
      new SecretsManagerClient({}),
    );

    expect(secret).toBe('s3cr3t');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('uses an inline secret without calling Secrets Manager', async () => {
    const sm = mockClient(SecretsManagerClient);
    const secret = await resolveWebhookSecret(
      readWebhookEnv({ ...base, GITHUB_WEBHOOK_SECRET: 'inline' }),
      new SecretsManagerClient({}),
    );
    expect(secret).toBe('inline');
    expect(sm.calls()).toHaveLength(0);
  });

  it('fails the cold start naming the variables when neither is set', () => {
    expect(() => readWebhookEnv(base)).toThrow(
      /GITHUB_WEBHOOK_SECRET_ARN: expected GITHUB_WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET_ARN/,
    );
  });

  it('says which secret is empty', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand).resolves({});
    await expect(
      resolveWebhookSecret(
        readWebhookEnv({ ...base, GITHUB_WEBHOOK_SECRET_ARN: ARN }),
        new SecretsManagerClient({}),
      ),
    ).rejects.toThrow(ARN);
  });
});
