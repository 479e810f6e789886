import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Holidays from 'date-holidays';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countryFileName,
  ENGINE_FILE,
  HOLIDAYS_DIR,
  holidaysFrom,
} from '../../../functions/lib/date-holidays-lazy.js';
import { bundleLoadsHolidays, writeHolidayFiles } from '../../../infra/holiday-files.js';
import { InvalidInputError } from '../../../src/core/errors.js';

// The calendars a Lambda bundle ships (infra/holiday-files.ts) read by its date-holidays
// (functions/lib/date-holidays-lazy.ts) give exactly the holidays of the library itself.

let out: string;
let Lean: typeof Holidays;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'bw-holidays-'));
  writeHolidayFiles(out);
  Lean = holidaysFrom(join(out, HOLIDAYS_DIR));
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

const CALENDARS: [string, string?, string?][] = [
  ['US'],
  ['US', 'CA'],
  ['GB'],
  ['GB', 'SCT'],
  ['DE', 'BY'],
  ['DE', 'BY', 'A'],
  ['JP'],
  ['AU', 'NSW'],
  ['FR'],
  ['GP'],
  ['CN'],
  ['CL'],
];
const YEARS = [2020, 2025, 2026, 2031];

describe('the holiday calendars beside a Lambda bundle', () => {
  it.each(CALENDARS)(
    'give %s %s %s the same holidays as date-holidays, in its languages and in English',
    (...spec) => {
      const [country, state, region] = spec;
      for (const languages of [undefined, ['en-us', 'en']]) {
        const full = new Holidays(country, state as string, region as string, languages ? { languages } : {});
        const lean = new Lean(country, state as string, region as string, languages ? { languages } : {});
        expect(lean.getLanguages()).toEqual(full.getLanguages());
        expect(lean.getTimezones()).toEqual(full.getTimezones());
        for (const year of YEARS)
          expect(lean.getHolidays(year), `${spec.join('-')} ${year}`).toEqual(full.getHolidays(year));
      }
    },
  );

  it('answer the catalog of countries, states and regions without a country, as date-holidays does', () => {
    const full = new Holidays();
    const lean = new Lean();
    expect(lean.getCountries('en')).toEqual(full.getCountries('en'));
    for (const country of ['US', 'DE', 'GB', 'ES', 'CH']) {
      expect(lean.getStates(country, 'en')).toEqual(full.getStates(country, 'en'));
    }
    expect(lean.getRegions('DE', 'BY', 'en')).toEqual(full.getRegions('DE', 'BY', 'en'));
  });

  it('refuse an unknown country with what was wrong, the value and what was expected', () => {
    for (const country of ['XX', 'UK', 'zz-CA', '../engine']) {
      const attempt = () => new Lean(country);
      expect(attempt).toThrow(InvalidInputError);
      expect(attempt).toThrow(`unknown holiday country "${country}"`);
      expect(attempt).toThrow('expected an ISO 3166-1 alpha-2 country code');
    }
  });

  it('hold one file per country date-holidays knows, and the engine', () => {
    const files = readdirSync(join(out, HOLIDAYS_DIR));
    expect(files).toContain(ENGINE_FILE);
    for (const country of Object.keys(new Holidays().getCountries())) {
      expect(files).toContain(countryFileName(country));
    }
  });

  it('are written for a bundle that holds the loader and not for one that does not', () => {
    expect(bundleLoadsHolidays(`var a=new URL("./${HOLIDAYS_DIR}/",import.meta.url);`)).toBe(true);
    expect(bundleLoadsHolidays(`var kB="${HOLIDAYS_DIR}",u_="engine.cjs";`)).toBe(true);
    expect(bundleLoadsHolidays('export const handler=async()=>({});')).toBe(false);
  });
});
