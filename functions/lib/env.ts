import { z } from 'zod';
import { parseOrThrow } from '../../src/core/validation.js';

/** What every control-plane Lambda reads from its environment; checked at cold start. */
export const LambdaEnvSchema = z.object({
  TABLE_NAME: z.string().min(3),
  HOME_ACCOUNT_ID: z
    .string()
    .regex(/^\d{12}$/, { message: 'expected the control plane account id (12 digits)' }),
  TARGET_ROLE_ARN_TEMPLATE: z
    .string()
    .includes('{account}')
    .default('arn:aws:iam::{account}:role/breakwater-target'),
  /** Comma-separated organisation-wide blocker alarm names (placeholders allowed). */
  ORGANISATION_ALARMS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
});
export type LambdaEnv = z.output<typeof LambdaEnvSchema>;

export function readLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  return parseOrThrow(LambdaEnvSchema, env, 'Lambda environment');
}
