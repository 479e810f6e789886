import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { createDocumentClient, DynamoDeploymentStore } from '../../src/adapters/aws/dynamodb-store.js';
import { StepFunctionsWorkflowStarter } from '../../src/adapters/aws/step-functions-starter.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { parseOrThrow } from '../../src/core/validation.js';
import { containerObservability } from '../../src/handlers/observability.js';
import { systemClock } from '../../src/ports/clock.js';

/*
 * The composition root of the API and trigger Lambdas on AWS: the environment checked with zod
 * and the SDK clients built once per container. The entry files build it on their first
 * invocation, so a missing variable fails that invocation with its name.
 */

export const ApiEnvSchema = z.object({
  TABLE_NAME: z.string().min(3),
  DEPLOYMENT_STATE_MACHINE_ARN: z.string().regex(/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:.+$/, {
    message: 'expected the ARN of the Deployment state machine',
  }),
  RELEASE_ROLLBACK_STATE_MACHINE_ARN: z
    .string()
    .regex(/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:.+$/, {
      message: 'expected the ARN of the ReleaseRollback state machine',
    }),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** The hosted console's origin (https://…cloudfront.net): allowed to read API answers (CORS). */
  CONSOLE_ORIGIN: z
    .string()
    .regex(/^https:\/\/[a-z0-9.-]+$/, {
      message: 'expected an https origin such as https://d111.cloudfront.net',
    })
    .optional(),
});
export type ApiEnv = z.output<typeof ApiEnvSchema>;

/** The HMAC secret comes inline (tests, local) or, on AWS, from Secrets Manager by ARN. */
export const WebhookEnvSchema = ApiEnvSchema.extend({
  GITHUB_WEBHOOK_SECRET: z.string().min(1, { message: 'expected the GitHub webhook secret' }).optional(),
  GITHUB_WEBHOOK_SECRET_ARN: z
    .string()
    .regex(/^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, {
      message: 'expected the ARN of the webhook secret in Secrets Manager',
    })
    .optional(),
}).refine((env) => env.GITHUB_WEBHOOK_SECRET !== undefined || env.GITHUB_WEBHOOK_SECRET_ARN !== undefined, {
  message: 'expected GITHUB_WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET_ARN',
  path: ['GITHUB_WEBHOOK_SECRET_ARN'],
});
export type WebhookEnv = z.output<typeof WebhookEnvSchema>;

/**
 * The webhook's HMAC secret: the inline value, or the secret's current value read once per
 * container from Secrets Manager (so the key never sits in the template or the environment).
 */
export async function resolveWebhookSecret(
  env: WebhookEnv,
  client: Pick<SecretsManagerClient, 'send'> = containerObservability().tracer.captureAWSv3Client(
    new SecretsManagerClient({}),
  ),
): Promise<string> {
  if (env.GITHUB_WEBHOOK_SECRET !== undefined) return env.GITHUB_WEBHOOK_SECRET;
  const arn = env.GITHUB_WEBHOOK_SECRET_ARN!;
  const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!out.SecretString) throw new Error(`GitHub webhook secret ${arn} has no SecretString`);
  return out.SecretString;
}

export function readApiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  return parseOrThrow(ApiEnvSchema, env, 'API Lambda environment');
}

export function readWebhookEnv(env: NodeJS.ProcessEnv = process.env): WebhookEnv {
  return parseOrThrow(WebhookEnvSchema, env, 'GitHub webhook Lambda environment');
}

let built: { deps: ApiDeps; env: ApiEnv } | undefined;

/** The API's dependencies on AWS, built on first use and kept for the container's life. */
export function apiLambdaDeps(): { deps: ApiDeps; env: ApiEnv } {
  if (built) return built;
  const env = readApiEnv();
  const { logger, tracer } = containerObservability();
  const deps: ApiDeps = {
    store: new DynamoDeploymentStore({
      client: tracer.captureAWSv3Client(createDocumentClient()),
      tableName: env.TABLE_NAME,
      clock: systemClock,
    }),
    starter: new StepFunctionsWorkflowStarter({
      client: tracer.captureAWSv3Client(new SFNClient({})),
      stateMachineArn: env.DEPLOYMENT_STATE_MACHINE_ARN,
      releaseRollbackStateMachineArn: env.RELEASE_ROLLBACK_STATE_MACHINE_ARN,
    }),
    clock: systemClock,
    log: logger,
    newId: () => randomUUID(),
  };
  built = { deps, env };
  return built;
}
