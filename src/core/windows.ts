import Holidays from 'date-holidays';
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { BreakwaterError } from './errors.js';
import { regionInfo } from './regions.js';
import type { Blackout, TimeWindow } from './window-schema.js';

export type { Blackout, TimeWindow, TimeWindowInput } from './window-schema.js';

/*
 * Deployment time windows: when a wave may START. Windows gate starts only — a wave that has
 * started runs to its end even if the window closes, and a rollback is never held by a window.
 *
 * Everything here is a pure function of epoch milliseconds. Calendar math happens in the window's
 * IANA zone on wall-clock time: "09:00-17:00" means 09:00 on the local clock, whatever the UTC
 * offset is that day. On a spring-forward day a wall time inside the gap (02:30 in New York) never
 * happens, so a window opening at 02:30 opens at the first instant after the gap; on a fall-back
 * day the repeated hour is inside the window twice if its wall time is.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How far {@link nextOpening} looks before giving up. */
export const WINDOW_SEARCH_HORIZON_DAYS = 400;
const HORIZON_MS = WINDOW_SEARCH_HORIZON_DAYS * DAY_MS;
/**
 * UTC, as luxon's fixed-offset zone: the same offsets as the IANA zone "UTC" without building an
 * Intl.DateTimeFormat when the module loads (a cold start pays for that otherwise).
 */
export const UTC: Zone = FixedOffsetZone.utcInstance;

export const DAY_NAMES = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type DayName = (typeof DAY_NAMES)[number];
const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** Defaults for fields a window leaves out (the zone and holiday country come from the region). */
export const DEFAULT_WINDOW_DAYS: readonly DayName[] = ['MON', 'TUE', 'WED', 'THU', 'FRI'];
export const DEFAULT_WINDOW_HOURS = { from: '09:00', to: '17:00' } as const;

export const HOLIDAY_TYPES = ['public', 'bank', 'optional', 'school', 'observance'] as const;
export type HolidayType = (typeof HOLIDAY_TYPES)[number];

/** The window is closed for the whole search horizon. */
export class WindowNeverOpensError extends BreakwaterError {}

/** Shared with the window schema (window-schema.ts). */
export const quote = (value: unknown) => JSON.stringify(value) ?? String(value);

export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
export const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Open every minute of every day, no holidays: what "no window" means. */
export const ALWAYS_OPEN_WINDOW: TimeWindow = {
  timeZone: 'UTC',
  days: [...DAY_NAMES],
  hours: { from: '00:00', to: '24:00' },
  holidays: false,
};

// ---------------------------------------------------------------------------------------------
// Public decisions
// ---------------------------------------------------------------------------------------------

/** Where the window is evaluated: the target's region supplies the default zone and holidays. */
export interface WindowContext {
  readonly region: string;
}

/** The state of a window at one instant. `reason` is set exactly when the window is closed. */
export interface WindowState {
  readonly open: boolean;
  /** Why it is closed, e.g. `weekend (Saturday in America/New_York)`. */
  readonly reason?: string;
  /** When closed: the first instant it is open again (absent if not within the search horizon). */
  readonly nextOpenMs?: number;
  /** When open: the first instant it closes (absent if not within the search horizon). */
  readonly closesAtMs?: number;
}

/**
 * Whether a wave may start at `atMs` under `window`.
 *
 * @example
 * evaluateWindow({}, Date.parse('2026-11-26T15:00:00Z'), { region: 'us-east-1' })
 * // { open: false, reason: 'holiday: Thanksgiving Day (US)', nextOpenMs: <2026-11-27T14:00:00Z> }
 */
export function evaluateWindow(window: TimeWindow, atMs: number, ctx: WindowContext): WindowState {
  const resolved = resolveWindow(window, ctx);
  const closed = closedAt(resolved, atMs);
  if (closed) {
    const next = findOpening(resolved, closed.until);
    return next.openMs === undefined
      ? { open: false, reason: closed.reason }
      : { open: false, reason: closed.reason, nextOpenMs: next.openMs };
  }
  const closesAtMs = findClosing(resolved, atMs);
  return closesAtMs === undefined ? { open: true } : { open: true, closesAtMs };
}

/**
 * The first instant at or after `fromMs` at which the window is open. Jumps over closed spans
 * (a weekend, a blackout, the night) rather than stepping minute by minute.
 * Throws {@link WindowNeverOpensError} when it stays closed for {@link WINDOW_SEARCH_HORIZON_DAYS} days.
 *
 * @example nextOpening({ hours: { from: '09:00', to: '17:00' } }, saturdayNoonMs, { region: 'eu-west-2' }) // Monday 09:00 London
 */
export function nextOpening(window: TimeWindow, fromMs: number, ctx: WindowContext): number {
  const resolved = resolveWindow(window, ctx);
  const found = findOpening(resolved, fromMs);
  if (found.openMs !== undefined) return found.openMs;
  throw new WindowNeverOpensError(
    `time window in ${resolved.zone.name} never opens within ${WINDOW_SEARCH_HORIZON_DAYS} days after ` +
      `${isoUtc(fromMs)} (last closed because: ${found.lastReason}); check its days, hours, exclusions and blackouts`,
  );
}

/**
 * Combines the windows of a pipeline, a wave and a target: the more specific level replaces every
 * field it sets, as a whole (a wave's `blackouts` replace the pipeline's; they are not appended).
 * Returns undefined when no level sets a window.
 *
 * @example mergeWindow({ timeZone: 'UTC', days: ['MON'] }, { days: ['TUE'] }) // { timeZone: 'UTC', days: ['TUE'] }
 */
export function mergeWindow(
  pipelineWindow: TimeWindow | undefined,
  waveWindow?: TimeWindow,
  targetWindow?: TimeWindow,
): TimeWindow | undefined {
  const levels = [pipelineWindow, waveWindow, targetWindow].filter((w): w is TimeWindow => w !== undefined);
  if (levels.length === 0) return undefined;
  const merged: Record<string, unknown> = {};
  for (const level of levels) {
    for (const [key, value] of Object.entries(level)) if (value !== undefined) merged[key] = value;
  }
  return merged as TimeWindow;
}

/** A wave as the schedule predictor sees it. */
export interface WaveForecastInput {
  readonly name: string;
  /** How long the wave takes once started: one-box bake + rolling steps + wave bake. */
  readonly leadTimeSeconds: number;
  /** The wave's effective window; absent means no window (the wave may start at any time). */
  readonly window?: TimeWindow;
  /** Region whose zone and holidays apply when the window does not name them. */
  readonly region: string;
}

export interface WaveForecast {
  readonly name: string;
  readonly earliestStart: number;
  readonly expectedEnd: number;
}

/**
 * Predicts when each wave starts and ends: a wave starts at the first opening of its window at or
 * after the previous wave's end, and once started runs to its end even if its window closes
 * (windows gate starts, not running waves). Alarms and manual blocks are not predicted.
 * Throws {@link WindowNeverOpensError} if a wave's window never opens.
 *
 * @example predictSchedule([{ name: 'us', leadTimeSeconds: 7200, region: 'us-east-1', window: {} }], startMs)
 */
export function predictSchedule(waves: readonly WaveForecastInput[], startMs: number): WaveForecast[] {
  const out: WaveForecast[] = [];
  let readyAt = startMs;
  for (const wave of waves) {
    const earliestStart =
      wave.window === undefined ? readyAt : nextOpening(wave.window, readyAt, { region: wave.region });
    const expectedEnd = earliestStart + Math.max(0, wave.leadTimeSeconds) * 1000;
    out.push({ name: wave.name, earliestStart, expectedEnd });
    readyAt = expectedEnd;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Resolution: defaults applied, wall-clock spans in minutes, blackouts as instants.
// ---------------------------------------------------------------------------------------------

interface WallSpan {
  readonly fromMs: number;
  readonly toMs: number;
}

interface ResolvedWindow {
  readonly zone: IANAZone;
  readonly days: ReadonlySet<number>;
  readonly hours: WallSpan & { readonly label: string };
  readonly exclusions: readonly (WallSpan & { readonly days: ReadonlySet<number>; readonly text: string })[];
  readonly blackouts: readonly { readonly fromMs: number; readonly toMs: number; readonly label: string }[];
  readonly holidays: HolidayCalendar | undefined;
}

function resolveWindow(window: TimeWindow, ctx: WindowContext): ResolvedWindow {
  const zoneName = window.timeZone ?? regionInfo(ctx.region).timeZone;
  if (!IANAZone.isValidZone(zoneName)) {
    throw new BreakwaterError(
      `time window: expected an IANA time zone like "Europe/Berlin", got ${quote(zoneName)}`,
    );
  }
  const zone = IANAZone.create(zoneName);
  const hours = window.hours ?? DEFAULT_WINDOW_HOURS;
  const dayNumbers = (days: readonly DayName[]) => new Set(days.map((d) => DAY_NAMES.indexOf(d) + 1));
  const holidays =
    window.holidays === false
      ? undefined
      : holidayCalendar(window.holidays ?? { country: regionInfo(ctx.region).country });
  return {
    zone,
    days: dayNumbers(window.days ?? DEFAULT_WINDOW_DAYS),
    hours: {
      fromMs: minutesOf(hours.from) * MINUTE_MS,
      toMs: minutesOf(hours.to) * MINUTE_MS,
      label: `outside hours ${hours.from}-${hours.to} ${zone.name}`,
    },
    exclusions: (window.exclusions ?? []).map((e) => ({
      days: dayNumbers(e.days),
      fromMs: minutesOf(e.from) * MINUTE_MS,
      toMs: minutesOf(e.to) * MINUTE_MS,
      text:
        e.from === '00:00' && e.to === '24:00'
          ? ''
          : e.to === '24:00'
            ? ` after ${e.from}`
            : e.from === '00:00'
              ? ` before ${e.to}`
              : ` ${e.from}-${e.to}`,
    })),
    blackouts: (window.blackouts ?? []).map((b) => resolveBlackout(b, zone)),
    holidays,
  };
}

function resolveBlackout(b: Blackout, zone: Zone) {
  if (typeof b === 'string') {
    return {
      fromMs: blackoutBound(b, zone, false),
      toMs: blackoutBound(b, zone, true),
      label: `blackout ${b}`,
    };
  }
  const span = b.from === b.to ? b.from : `${b.from} to ${b.to}`;
  return {
    fromMs: blackoutBound(b.from, zone, false),
    toMs: blackoutBound(b.to, zone, true),
    label: `blackout ${span}${b.reason ? `: ${b.reason}` : ''}`,
  };
}

/**
 * The instant a blackout bound stands for. A date is the start of that local day, or for an end
 * bound the start of the next (dates are inclusive); a date-time without an offset is local.
 */
export function blackoutBound(text: string, zone: Zone, isEnd: boolean): number {
  if (ISO_DATE.test(text)) {
    const wall = DateTime.fromISO(text, { zone: 'utc' }).toMillis();
    return instantOfWall(zone, isEnd ? wall + DAY_MS : wall);
  }
  const hasOffset = ISO_DATE_TIME.exec(text)?.[1] !== undefined;
  return hasOffset
    ? DateTime.fromISO(text).toMillis()
    : instantOfWall(zone, DateTime.fromISO(text, { zone: 'utc' }).toMillis());
}

// ---------------------------------------------------------------------------------------------
// Wall-clock arithmetic. A "wall" value is the local date-time written as if it were UTC epoch ms.
// ---------------------------------------------------------------------------------------------

function wallOf(zone: Zone, instant: number): number {
  return instant + zone.offset(instant) * MINUTE_MS;
}

/**
 * The earliest instant whose local wall time is `wall`; inside a spring-forward gap (a wall time
 * that never happens) the first instant after the gap. In a fall-back overlap, the first of the two.
 */
function instantOfWall(zone: Zone, wall: number): number {
  const guesses = [
    wall - zone.offset(wall - DAY_MS) * MINUTE_MS,
    wall - zone.offset(wall + DAY_MS) * MINUTE_MS,
  ];
  const exact = guesses.filter((t) => wallOf(zone, t) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // In the gap: the wall clock jumps over `wall` between the two guesses; find where.
  let lo = Math.min(...guesses);
  let hi = Math.max(...guesses);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallOf(zone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

interface LocalInstant {
  /** Local midnight of the day, as a wall value. */
  readonly dayWall: number;
  /** Milliseconds since local midnight on the wall clock. */
  readonly msOfDay: number;
  /** ISO weekday, 1 = Monday. */
  readonly weekday: number;
  readonly isoDate: string;
  readonly year: number;
}

function localAt(zone: Zone, instant: number): LocalInstant {
  const wall = wallOf(zone, instant);
  const dayWall = Math.floor(wall / DAY_MS) * DAY_MS;
  const day = DateTime.fromMillis(dayWall, { zone: 'utc' });
  return {
    dayWall,
    msOfDay: wall - dayWall,
    weekday: day.weekday,
    isoDate: day.toISODate() ?? '',
    year: day.year,
  };
}

/**
 * The next instant after `t` at which the window's state may change: a wall-clock edge of the open
 * hours or an exclusion, a blackout edge, a UTC-offset change, or the next local midnight. Between
 * `t` and that instant the local wall clock runs forward without jumps, so nothing changes.
 */
function nextEdge(w: ResolvedWindow, t: number, local: LocalInstant = localAt(w.zone, t)): number {
  const dayEnd = instantOfWall(w.zone, local.dayWall + DAY_MS);
  let edge = dayEnd;
  for (const b of w.blackouts) {
    if (b.fromMs > t) edge = Math.min(edge, b.fromMs);
    if (b.toMs > t) edge = Math.min(edge, b.toMs);
  }
  const offset = w.zone.offset(t);
  let segmentEnd = dayEnd;
  if (w.zone.offset(dayEnd - 1) !== offset) {
    // A DST change later today: find the first instant with the new offset.
    let lo = t;
    let hi = dayEnd - 1;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (w.zone.offset(mid) === offset) lo = mid;
      else hi = mid;
    }
    segmentEnd = hi;
    edge = Math.min(edge, hi);
  }
  const marks = [w.hours.fromMs, w.hours.toMs];
  for (const e of w.exclusions) if (e.days.has(local.weekday)) marks.push(e.fromMs, e.toMs);
  for (const mark of marks) {
    const at = local.dayWall + mark - offset * MINUTE_MS;
    if (at > t && at < segmentEnd) edge = Math.min(edge, at);
  }
  return edge;
}

interface Closed {
  readonly reason: string;
  /** An instant > t up to which the window is certainly closed. */
  readonly until: number;
}

function closedAt(w: ResolvedWindow, t: number): Closed | undefined {
  for (const b of w.blackouts) {
    if (b.fromMs <= t && t < b.toMs) return { reason: b.label, until: b.toMs };
  }
  const local = localAt(w.zone, t);
  const weekdayName = WEEKDAY_NAMES[local.weekday - 1] ?? '';
  const holiday = w.holidays?.on(local.isoDate, local.year);
  if (holiday !== undefined) {
    return {
      reason: `holiday: ${holiday} (${w.holidays?.label})`,
      until: instantOfWall(w.zone, local.dayWall + DAY_MS),
    };
  }
  if (!w.days.has(local.weekday)) {
    const reason =
      local.weekday >= 6
        ? `weekend (${weekdayName} in ${w.zone.name})`
        : `not a deployment day (${weekdayName} in ${w.zone.name}; open ${[...w.days]
            .sort()
            .map((d) => DAY_NAMES[d - 1])
            .join(', ')})`;
    return { reason, until: instantOfWall(w.zone, local.dayWall + DAY_MS) };
  }
  if (local.msOfDay < w.hours.fromMs || local.msOfDay >= w.hours.toMs) {
    return { reason: w.hours.label, until: nextEdge(w, t, local) };
  }
  for (const e of w.exclusions) {
    if (e.days.has(local.weekday) && e.fromMs <= local.msOfDay && local.msOfDay < e.toMs) {
      return { reason: `excluded: ${weekdayName}${e.text}`, until: nextEdge(w, t, local) };
    }
  }
  return undefined;
}

function findOpening(w: ResolvedWindow, fromMs: number): { openMs?: number; lastReason?: string } {
  let t = fromMs;
  let lastReason: string | undefined;
  while (t <= fromMs + HORIZON_MS) {
    const closed = closedAt(w, t);
    if (!closed) return { openMs: t };
    lastReason = closed.reason;
    t = Math.max(closed.until, t + 1);
  }
  return lastReason === undefined ? {} : { lastReason };
}

function findClosing(w: ResolvedWindow, openAt: number): number | undefined {
  let t = openAt;
  while (t <= openAt + HORIZON_MS) {
    t = nextEdge(w, t);
    if (closedAt(w, t)) return t;
  }
  return undefined;
}

function isoUtc(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO() ?? String(ms);
}

// ---------------------------------------------------------------------------------------------
// Holidays (date-holidays). One Holidays instance per calendar, and one date → name map per year.
// ---------------------------------------------------------------------------------------------

interface HolidayCalendar {
  readonly label: string;
  /** The holiday's name if `isoDate` (local) is one of the calendar's holidays of the chosen types. */
  on(isoDate: string, year: number): string | undefined;
}

let catalog: Holidays | undefined;
export function holidayCatalog(): Holidays {
  catalog ??= new Holidays();
  return catalog;
}

const calendars = new Map<string, HolidayCalendar>();

function holidayCalendar(spec: {
  country: string;
  state?: string | undefined;
  region?: string | undefined;
  types?: readonly HolidayType[] | undefined;
}): HolidayCalendar {
  const types = [...(spec.types ?? ['public'])].sort();
  const label = [spec.country, spec.state, spec.state === undefined ? undefined : spec.region]
    .filter((p) => p !== undefined)
    .join('-');
  const key = `${label}|${types.join(',')}`;
  const cached = calendars.get(key);
  if (cached) return cached;

  const source =
    spec.state === undefined
      ? new Holidays(spec.country)
      : spec.region === undefined
        ? new Holidays(spec.country, spec.state)
        : new Holidays(spec.country, spec.state, spec.region);
  // English names, in the country's own English where it has one ("Labor Day" in en-us).
  const localEnglish = source.getLanguages().filter((l) => l.startsWith('en-'));
  source.setLanguages([...localEnglish, 'en']);
  const wanted = new Set<string>(types);
  const byYear = new Map<number, ReadonlyMap<string, string>>();
  const daysOf = (year: number): ReadonlyMap<string, string> => {
    const known = byYear.get(year);
    if (known) return known;
    const days = new Map<string, string>();
    // A holiday spanning several days may start in the previous year.
    for (const h of [...source.getHolidays(year - 1), ...source.getHolidays(year)]) {
      if (!wanted.has(h.type)) continue;
      const first = DateTime.fromISO(h.date.slice(0, 10), { zone: 'utc' });
      const length = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / DAY_MS));
      for (let i = 0; i < length; i++) {
        const day = first.plus({ days: i });
        const iso = day.toISODate();
        if (day.year === year && iso !== null && !days.has(iso)) days.set(iso, h.name);
      }
    }
    byYear.set(year, days);
    return days;
  };
  const calendar: HolidayCalendar = { label, on: (isoDate, year) => daysOf(year).get(isoDate) };
  calendars.set(key, calendar);
  return calendar;
}
