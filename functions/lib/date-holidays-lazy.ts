import { createRequire } from 'node:module';
import type RealHolidays from 'date-holidays';

/*
 * What `date-holidays` is in a Lambda bundle (infra/constructs/control-plane.ts aliases it here).
 * The calendars of every country (with the time-zone data and astronomy they need) are about
 * 1.4 MB of JavaScript: bundled, every function would parse them on every cold start, although
 * only a deployment window with holidays ever reads them. They ship beside the bundle instead, as
 * HOLIDAYS_FILE, and are loaded the first time a calendar is built, so a cold start that
 * evaluates no holiday window never pays for them. Behaviour is date-holidays' own: the class
 * returned is the real one.
 */

/** The file beside the bundle that holds date-holidays, bundled on its own (CommonJS). */
export const HOLIDAYS_FILE = 'date-holidays.cjs';

type HolidaysClass = typeof RealHolidays;

let loaded: HolidaysClass | undefined;

function load(): HolidaysClass {
  if (loaded === undefined) {
    const module = createRequire(import.meta.url)(`./${HOLIDAYS_FILE}`) as
      | HolidaysClass
      | { default: HolidaysClass };
    loaded = 'default' in module ? module.default : module;
  }
  return loaded;
}

/** `new Holidays(...)` constructs the real date-holidays class, loaded on first use. */
const Holidays = function Holidays(...args: ConstructorParameters<HolidaysClass>) {
  const Real = load();
  return new Real(...args);
} as unknown as HolidaysClass;

export default Holidays;
