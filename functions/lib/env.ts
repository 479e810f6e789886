import * as z from 'zod/mini';
import { parseOrThrow } from '../../src/core/validation.js';

/** What every control-plane Lambda reads from its environment; checked at cold start. */
export const LambdaEnvSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(3)),
  HOME_ACCOUNT_ID: z
    .string()
    .check(z.regex(/^\d{12}$/, { message: 'expected the control plane account id (12 digits)' })),
  TARGET_ROLE_ARN_TEMPLATE: z._default(
    z.string().check(z.includes('{account}', { message: 'expected a role ARN template with {account}' })),
    'arn:aws:iam::{account}:role/breakwater-target',
  ),
  /** The bus deployment state changes are published to; none when unset. */
  EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
  EVENT_SOURCE: z._default(z.string().check(z.minLength(1)), 'breakwater'),
  /** Comma-separated organisation-wide blocker alarm names (placeholders allowed). */
  ORGANISATION_ALARMS: z.pipe(
    z._default(z.string(), ''),
    z.transform((s: string) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  ),
});
export type LambdaEnv = z.output<typeof LambdaEnvSchema>;

export function readLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  return parseOrThrow(LambdaEnvSchema, env, 'Lambda environment');
}
