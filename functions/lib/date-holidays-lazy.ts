import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type RealHolidays from 'date-holidays';
import { InvalidInputError } from '../../src/core/errors.js';

/*
 * What `date-holidays` is in a Lambda bundle (BUNDLING in infra/constructs/bundling.ts aliases it
 * here). The library bundled whole is about 1.6 MB of JavaScript: every country's calendars and
 * every time zone's history. Instead, the bundles that reach it ship HOLIDAYS_DIR beside them
 * (written by infra/holiday-files.ts at bundle time, from date-holidays' own data): the engine
 * (date-holidays-parser, the class date-holidays extends, with moment-timezone's code but no zone
 * data), one file per country with its rules, and one per time zone. The first calendar of a
 * country loads the engine, that country's file and its zones only; a cold start that evaluates no holiday
 * window loads nothing. Behaviour is date-holidays' own: the parser is the real one, given the
 * same rules, and its time zones are the same moment-timezone zones.
 */

/** The folder beside the bundle that holds the calendars (its name marks a bundle that needs them). */
export const HOLIDAYS_DIR = 'holiday-calendars';
/** date-holidays-parser and moment-timezone (without zones), bundled on their own (CommonJS). */
export const ENGINE_FILE = 'engine.cjs';
/** Every country, state and region with its names, without rules: `new Holidays()`. */
export const CATALOG_FILE = 'catalog.json';

/** `US.json`: the file of one country (ISO 3166-1 alpha-2 code, as date-holidays keys them). */
export function countryFileName(country: string): string {
  return `${country}.json`;
}

/** `zones/Europe/Berlin.json`: the file of one moment-timezone zone (a ZoneData). */
export function zoneFileName(zone: string): string {
  return `zones/${zone}.json`;
}

/** date-holidays' data (`require('date-holidays/data').data`), or a part of it. */
export interface HolidayData {
  readonly version: string;
  readonly license: string;
  readonly holidays: Readonly<Record<string, unknown>>;
  readonly names: Readonly<Record<string, unknown>>;
}

/** moment-timezone's packed data (`data/packed/latest.json`), or a part of it. */
export interface ZoneData {
  readonly version: string;
  readonly zones: readonly string[];
  readonly links: readonly string[];
  readonly countries: readonly string[];
}

/** One country's file: the data date-holidays-parser takes, and the zones it names. */
export interface CountryFile {
  readonly data: HolidayData;
  /** Names of the zones (each in its zone file) its rules and calendars name. */
  readonly zones: readonly string[];
  /** moment-timezone's packed links (`America/New_York|US/Eastern`) to them. */
  readonly links: readonly string[];
}

type HolidaysClass = typeof RealHolidays;
type Args = ConstructorParameters<HolidaysClass>;

interface Engine {
  readonly Holidays: new (data: HolidayData, ...args: Args) => RealHolidays;
  readonly moment: { tz: { load(zones: ZoneData): void; link(links: readonly string[]): void } };
}

/** The country `new Holidays(...)` names, as date-holidays reads it ('us', 'US-CA', { country: 'us' }). */
function countryOf(country: Args[0]): string | undefined {
  if (typeof country === 'string') return country.split(/[.-]/)[0]?.toUpperCase();
  if (typeof country === 'object' && country !== null && 'country' in country && country.country) {
    return String(country.country).toUpperCase();
  }
  return undefined;
}

const KNOWN_COUNTRY = 'an ISO 3166-1 alpha-2 country code date-holidays knows, like "US", "GB" or "DE"';

/**
 * A date-holidays class reading its calendars from `dir` (a HOLIDAYS_DIR written by
 * infra/holiday-files.ts). Without a country, the instance knows every country, state and region
 * (getCountries, getStates, getRegions) and no holidays, as date-holidays' own does. An instance
 * holds its own country's data only: construct a new one for another country (`init()` with
 * another country would find no rules).
 *
 * @throws InvalidInputError for a country date-holidays does not know (date-holidays itself
 *   would answer no holidays at all, which would silently open every window).
 */
export function holidaysFrom(dir: string): HolidaysClass {
  const load = createRequire(join(dir, ENGINE_FILE));
  let engine: Engine | undefined;
  const countries = new Map<string, HolidayData>();
  const zones = new Set<string>();

  const loadCountry = (country: string): CountryFile | undefined => {
    try {
      return load(`./${countryFileName(country)}`) as CountryFile;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
      throw error;
    }
  };

  const dataFor = (country: string | undefined, given: unknown): HolidayData => {
    engine ??= load(`./${ENGINE_FILE}`) as Engine;
    if (country === undefined) return load(`./${CATALOG_FILE}`) as HolidayData;
    const known = countries.get(country);
    if (known) return known;
    const file = /^[A-Z]{2}$/.test(country) ? loadCountry(country) : undefined;
    if (file === undefined) {
      throw new InvalidInputError('holiday calendar', [
        {
          path: 'country',
          message: `unknown holiday country ${JSON.stringify(given)}; expected ${KNOWN_COUNTRY}`,
          received: given,
          expected: KNOWN_COUNTRY,
        },
      ]);
    }
    for (const zone of file.zones) {
      if (zones.has(zone)) continue;
      engine.moment.tz.load(load(`./${zoneFileName(zone)}`) as ZoneData);
      zones.add(zone);
    }
    engine.moment.tz.link(file.links);
    countries.set(country, file.data);
    return file.data;
  };

  return function Holidays(...args: Args) {
    const data = dataFor(countryOf(args[0]), args[0]);
    return new (engine as Engine).Holidays(data, ...args);
  } as unknown as HolidaysClass;
}

/** `new Holidays(...)`: date-holidays, reading the calendars shipped beside this bundle. */
const Holidays = holidaysFrom(fileURLToPath(new URL(`./${HOLIDAYS_DIR}/`, import.meta.url)));

export default Holidays;
