import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import {
  CATALOG_FILE,
  type CountryFile,
  countryFileName,
  ENGINE_FILE,
  HOLIDAYS_DIR,
  type HolidayData,
  type ZoneData,
  zoneFileName,
} from '../functions/lib/date-holidays-lazy.js';

/*
 * The holiday calendars beside a Lambda bundle (BUNDLING's afterBundling hook runs this file on
 * each bundle's output folder). Only a bundle that reaches date-holidays gets them: the lazy
 * loader (functions/lib/date-holidays-lazy.ts) puts HOLIDAYS_DIR in the bundle, and a bundle
 * without that name never loads a calendar. What they are, all made from date-holidays' own data:
 *
 *   <HOLIDAYS_DIR>/ENGINE_FILE     date-holidays-parser (the class date-holidays extends) with
 *                                  moment-timezone's code but none of its zone data
 *   <HOLIDAYS_DIR>/<CC>.json       one country: its rules (with any country they refer to), the
 *                                  holiday names they use, the names of the zones they name
 *   <HOLIDAYS_DIR>/zones/<zone>.json  one moment-timezone zone, as moment-timezone packs it
 *   <HOLIDAYS_DIR>/CATALOG_FILE    every country, state and region with their names, no rules:
 *                                  what `new Holidays()` (no country) answers, for validation
 */

// Resolved as date-holidays resolves them, so the files hold the versions the library runs with.
const fromHolidays = createRequire(createRequire(import.meta.url).resolve('date-holidays'));
const PARSER_DIR = dirname(fromHolidays.resolve('date-holidays-parser'));
const fromParser = createRequire(join(PARSER_DIR, 'index.cjs'));

/** Whether a bundle's code reaches date-holidays: it holds the lazy loader, so HOLIDAYS_DIR as a string. */
export function bundleLoadsHolidays(bundleCode: string): boolean {
  return ['"', "'", '`'].some(
    (q) => bundleCode.includes(`${q}${HOLIDAYS_DIR}${q}`) || bundleCode.includes(`${q}./${HOLIDAYS_DIR}/`),
  );
}

type Tree = { readonly [key: string]: unknown };

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every string and every `key: value` string pair anywhere in `tree`. */
function* strings(tree: unknown): Generator<string> {
  if (typeof tree === 'string') yield tree;
  else if (Array.isArray(tree)) for (const v of tree) yield* strings(v);
  else if (isTree(tree))
    for (const [k, v] of Object.entries(tree)) {
      yield k;
      yield* strings(v);
    }
}

/** The countries a country's rules refer to through `_days` (`"FR"`, `["DE","states","BY"]`), itself included. */
function countryClosure(holidays: Tree, country: string): string[] {
  const seen = new Set<string>();
  const visit = (code: string): void => {
    if (seen.has(code)) return;
    seen.add(code);
    const walk = (node: unknown): void => {
      if (!isTree(node)) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '_days') {
          const first = Array.isArray(value) ? value[0] : value;
          if (typeof first === 'string') visit(first);
        } else walk(value);
      }
    };
    walk(holidays[code]);
  };
  visit(country);
  return [...seen];
}

/**
 * The moment-timezone zones whose names appear in `tree` (the names of its zones, and the packed
 * links to them), plus GMT, the equinox rules' default.
 */
function zonesNamedIn(tree: unknown, all: ZoneData): { zones: string[]; links: string[] } {
  const zoneNames = new Set(all.zones.map(packedName));
  const linkByName = new Map(all.links.map((l) => [l.slice(l.indexOf('|') + 1), l]));
  const zones = new Set<string>();
  const links = new Set<string>();
  const add = (name: string): void => {
    if (zoneNames.has(name)) zones.add(name);
    const link = linkByName.get(name);
    if (link !== undefined) {
      links.add(link);
      add(link.slice(0, link.indexOf('|')));
    }
  };
  add('GMT');
  for (const text of strings(tree)) for (const token of text.split(/[\s,;()]+/)) add(token);
  return { zones: [...zones].sort(), links: [...links].sort() };
}

/** `America/New_York|EST EDT|…`: the zone's name. */
function packedName(packed: string): string {
  return packed.slice(0, packed.indexOf('|'));
}

/** One country's file: its rules and those it refers to, the names they use, their zones. */
export function countryFile(data: HolidayData, allZones: ZoneData, country: string): CountryFile {
  const holidays = data.holidays as Tree;
  const codes = countryClosure(holidays, country);
  const subset: Record<string, unknown> = {};
  for (const code of codes) subset[code] = holidays[code];
  const used = new Set(strings(subset));
  const names: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data.names as Tree)) {
    if (key === 'substitutes' || used.has(key)) names[key] = value;
  }
  return {
    data: { version: data.version, license: data.license, holidays: subset, names },
    ...zonesNamedIn(subset, allZones),
  };
}

/** Every country, state and region with its names and languages, without its rules. */
export function catalogData(data: HolidayData): HolidayData {
  const strip = (node: unknown): unknown => {
    if (!isTree(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'days' || key === '_days') continue;
      out[key] = key === 'states' || key === 'regions' ? mapTree(value, strip) : value;
    }
    return out;
  };
  return { ...data, holidays: mapTree(data.holidays, strip), names: {} };
}

function mapTree(tree: unknown, f: (node: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(isTree(tree) ? tree : {}).map(([k, v]) => [k, f(v)]));
}

/** The data date-holidays itself uses, and the zones moment-timezone loads by default. */
export function sourceData(): { data: HolidayData; zones: ZoneData } {
  return {
    data: (fromHolidays('date-holidays/data') as { data: HolidayData }).data,
    zones: JSON.parse(
      readFileSync(fromParser.resolve('moment-timezone/data/packed/latest.json'), 'utf8'),
    ) as ZoneData,
  };
}

/** Writes HOLIDAYS_DIR (engine, catalog, one file per country) into `outputDir`. */
export function writeHolidayFiles(outputDir: string): void {
  const dir = join(outputDir, HOLIDAYS_DIR);
  mkdirSync(dir, { recursive: true });
  buildSync({
    stdin: {
      contents:
        "module.exports = { Holidays: require('./index.cjs').default, moment: require('moment-timezone') };",
      resolveDir: PARSER_DIR,
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    logLevel: 'warning',
    // moment-timezone's code without its data (its index.js is this file plus every zone).
    alias: { 'moment-timezone': fromParser.resolve('moment-timezone/moment-timezone.js') },
    outfile: join(dir, ENGINE_FILE),
  });
  const { data, zones } = sourceData();
  writeFileSync(join(dir, CATALOG_FILE), JSON.stringify(catalogData(data)));
  const named = new Set<string>();
  for (const country of Object.keys(data.holidays)) {
    const file = countryFile(data, zones, country);
    for (const zone of file.zones) named.add(zone);
    writeFileSync(join(dir, countryFileName(country)), JSON.stringify(file));
  }
  // One file per zone a country names, shared by the countries that name it.
  for (const packed of zones.zones) {
    const name = packedName(packed);
    if (!named.has(name)) continue;
    const file: ZoneData = { version: zones.version, zones: [packed], links: [], countries: [] };
    mkdirSync(dirname(join(dir, zoneFileName(name))), { recursive: true });
    writeFileSync(join(dir, zoneFileName(name)), JSON.stringify(file));
  }
}

// The afterBundling hook: `tsx infra/holiday-files.ts <outputDir>`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const outputDir = process.argv[2];
  if (outputDir === undefined) throw new Error('usage: tsx infra/holiday-files.ts <bundle output folder>');
  if (bundleLoadsHolidays(readFileSync(join(outputDir, 'index.mjs'), 'utf8'))) writeHolidayFiles(outputDir);
}
