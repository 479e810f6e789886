import * as z from 'zod';
import { parseDuration } from './duration.js';

/**
 * A duration in a user document: a compact string (`30m`, `13h`, `1h30m`) or whole seconds.
 * Parses to seconds.
 */
export const DurationSchema = z
  .union([
    z
      .string()
      .regex(/^(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?$/, {
        message: 'expected a duration like "90s", "30m", "13h", "1h30m" or "2d"',
      })
      .refine((s) => s.length > 0, { message: 'expected a duration like "30m", got an empty string' }),
    z.number().int().nonnegative(),
  ])
  .transform((value) => (typeof value === 'number' ? value : (parseDuration(value) ?? 0)))
  .meta({
    description: 'A duration: "90s", "30m", "13h", "1h30m", "2d", or a whole number of seconds.',
  });
