import { DateTime, IANAZone } from 'luxon';
import * as z from 'zod';
import { parseOrThrow } from './validation.js';
import {
  blackoutBound,
  DAY_NAMES,
  HOLIDAY_TYPES,
  holidayCatalog,
  ISO_DATE,
  ISO_DATE_TIME,
  minutesOf,
  quote,
  UTC,
} from './windows.js';

/*
 * The schema of a deployment time window, apart from the window logic (windows.ts): the step
 * Lambdas that evaluate windows never parse one (the resolved pipeline is stored validated), so
 * their bundles need neither zod classic nor this schema.
 */
// ---------------------------------------------------------------------------------------------
// Schema: what a pipeline author writes. No defaults are filled in here, so that mergeWindow can
// tell the fields a level sets from the ones it leaves to a less specific level.
// ---------------------------------------------------------------------------------------------

const TimeOfDaySchema = z.string().regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, {
  message: 'expected a wall-clock time "HH:mm" from "00:00" to "24:00"',
});

/** Minutes after local midnight of a validated "HH:mm". */

const DaysSchema = z
  .array(z.enum(DAY_NAMES))
  .min(1, { message: 'expected at least one day' })
  .refine((days) => new Set(days).size === days.length, { message: 'expected each day at most once' });

const fromBeforeTo = <T extends { from: string; to: string }>(span: T) =>
  minutesOf(span.from) < minutesOf(span.to);
const FROM_BEFORE_TO = {
  message: 'expected "from" before "to" on the same day (use "24:00" for midnight at the end of the day)',
  path: ['to'],
};

const HoursSchema = z
  .object({
    from: TimeOfDaySchema.meta({ description: 'Local wall-clock time the window opens, e.g. "09:00".' }),
    to: TimeOfDaySchema.meta({ description: 'Local wall-clock time it closes, e.g. "17:00" or "24:00".' }),
  })
  .strict()
  .refine(fromBeforeTo, FROM_BEFORE_TO);

const ExclusionSchema = z
  .object({
    days: DaysSchema,
    from: TimeOfDaySchema,
    to: TimeOfDaySchema,
  })
  .strict()
  .refine(fromBeforeTo, FROM_BEFORE_TO)
  .meta({ description: 'A closed span inside the open hours, e.g. Friday 14:00-24:00.' });

const IsoDateSchema = z
  .string()
  .refine((s) => ISO_DATE.test(s) && DateTime.fromISO(s, { zone: 'utc' }).isValid, {
    error: (issue) => `expected a calendar date "YYYY-MM-DD", got ${quote(issue.input)}`,
  });

const IsoDateOrDateTimeSchema = z
  .string()
  .refine(
    (s) => (ISO_DATE.test(s) || ISO_DATE_TIME.test(s)) && DateTime.fromISO(s, { zone: 'utc' }).isValid,
    {
      error: (issue) =>
        'expected an ISO date "2026-12-24" or date-time "2026-12-24T14:00" (local to the window\'s zone) ' +
        `or "2026-12-24T14:00:00Z", got ${quote(issue.input)}`,
    },
  );

const BlackoutSchema = z.union([
  IsoDateSchema.meta({ description: 'A whole local day closed, e.g. "2026-12-24".' }),
  z
    .object({
      from: IsoDateOrDateTimeSchema.meta({
        description:
          'First day (from its start) or instant closed. Without an offset, local to the window zone.',
      }),
      to: IsoDateOrDateTimeSchema.meta({
        description:
          'Last day closed (a date is inclusive: to its end), or the instant it reopens (exclusive).',
      }),
      reason: z.string().min(1).max(500).optional(),
    })
    .strict()
    // Compared in UTC: exact unless one bound has an offset and the other not; the window's zone is
    // not known here (it may come from the region).
    .refine((b) => !(blackoutBound(b.from, UTC, false) >= blackoutBound(b.to, UTC, true)), {
      message: 'expected "from" before "to"',
      path: ['to'],
    }),
]);

const HolidayCalendarSchema = z
  .object({
    country: z.string().regex(/^[A-Z]{2}$/, {
      message: 'expected an ISO 3166-1 alpha-2 country code like "US", "GB" or "DE"',
    }),
    state: z.string().min(1).optional().meta({ description: 'State or province code, e.g. "CA" or "BY".' }),
    region: z.string().min(1).optional().meta({ description: 'Region code inside the state.' }),
    types: z
      .array(z.enum(HOLIDAY_TYPES))
      .min(1)
      .optional()
      .meta({ description: 'Holiday types that close the window. Default: ["public"].' }),
  })
  .strict()
  .superRefine((h, ctx) => {
    const catalog = holidayCatalog();
    if (!Object.hasOwn(catalog.getCountries('en'), h.country)) {
      ctx.addIssue({
        code: 'custom',
        path: ['country'],
        message: `unknown holiday country ${quote(h.country)}${h.country === 'UK' ? ' (the United Kingdom is "GB")' : ''}`,
      });
      return;
    }
    if (h.state === undefined) {
      if (h.region !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['region'], message: 'a region needs a state' });
      }
      return;
    }
    const states = catalog.getStates(h.country, 'en') ?? {};
    if (!Object.hasOwn(states, h.state)) {
      ctx.addIssue({
        code: 'custom',
        path: ['state'],
        message: `unknown state ${quote(h.state)} of ${h.country}; expected one of ${Object.keys(states).join(', ') || '(none)'}`,
      });
      return;
    }
    if (h.region === undefined) return;
    const regions = catalog.getRegions(h.country, h.state, 'en') ?? {};
    if (!Object.hasOwn(regions, h.region)) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: `unknown region ${quote(h.region)} of ${h.country}-${h.state}; expected one of ${Object.keys(regions).join(', ') || '(none)'}`,
      });
    }
  });

/**
 * A deployment time window: when waves may start. Every field is optional; the defaults are
 * Monday-Friday, 09:00-17:00 in the target region's time zone, closed on the region's country's
 * public holidays.
 */
export const TimeWindowSchema = z
  .object({
    timeZone: z
      .string()
      .refine((zone) => IANAZone.isValidZone(zone), {
        error: (issue) => `expected an IANA time zone like "Europe/Berlin", got ${quote(issue.input)}`,
      })
      .optional()
      .meta({ description: "IANA time zone the hours are read in. Default: the target region's zone." }),
    days: DaysSchema.optional().meta({ description: 'Days the window is open. Default: MON-FRI.' }),
    hours: HoursSchema.optional().meta({
      description: 'Open hours, local wall clock. Default: 09:00-17:00.',
    }),
    exclusions: z.array(ExclusionSchema).max(50).optional(),
    blackouts: z
      .array(BlackoutSchema)
      .max(500)
      .optional()
      .meta({ description: 'Dates or spans when the window is closed (change freezes).' }),
    holidays: z
      .union([z.literal(false), HolidayCalendarSchema])
      .optional()
      .meta({
        description:
          "Holiday calendar that closes the window for whole local days, or false for none. Default: the region's " +
          'country, public holidays only.',
      }),
  })
  .strict()
  .meta({ description: 'When waves may start. Windows gate starts only, never running waves or rollbacks.' });

/** What an author writes. */
export type TimeWindowInput = z.input<typeof TimeWindowSchema>;
/** A validated window (defaults not yet applied: they depend on the region). */
export type TimeWindow = z.output<typeof TimeWindowSchema>;
export type Blackout = NonNullable<TimeWindow['blackouts']>[number];

/** Validates a window document, throwing one InvalidInputError listing every issue. */
export function parseTimeWindow(input: unknown, what = 'time window'): TimeWindow {
  return parseOrThrow(TimeWindowSchema, input, what);
}
