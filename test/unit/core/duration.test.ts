import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/core/duration.js';
import { DurationSchema } from '../../../src/core/duration-schema.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['30m', 1_800],
    ['13h', 46_800],
    ['1h30m', 5_400],
    ['2d', 172_800],
    ['1d2h3m4s', 93_784],
    ['0s', 0],
    ['90m', 5_400],
    [' 5m ', 300],
  ])('reads %j as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each([
    ['an empty string', ''],
    ['only spaces', '   '],
    ['a bare number', '90'],
    ['an unknown unit', '5x'],
    ['units out of order', '30m1h'],
    ['a negative duration', '-5m'],
    ['a fraction', '1.5h'],
    ['a space between units', '1h 30m'],
    ['upper-case units', '1H'],
  ])('rejects %s', (_case, text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [5_400, '1h30m'],
    [86_400, '1d'],
    [90_061, '1d1h1m1s'],
    [59.6, '1m'],
    [-30, '0s'],
  ])('writes %d seconds as %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('writes what parseDuration reads back to the same number of seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds))).toBe(seconds);
      }),
    );
  });
});

describe('DurationSchema', () => {
  it.each<[string, unknown, number]>([
    ['a compact string', '1h30m', 5_400],
    ['whole seconds', 90, 90],
    ['zero seconds', 0, 0],
  ])('parses %s to seconds', (_case, input, seconds) => {
    expect(DurationSchema.parse(input)).toBe(seconds);
  });

  it.each<[string, unknown]>([
    ['an empty string', ''],
    ['an unknown unit', '5x'],
    ['negative seconds', -1],
    ['fractional seconds', 1.5],
    ['a boolean', true],
  ])('rejects %s', (_case, input) => {
    expect(DurationSchema.safeParse(input).success).toBe(false);
  });
});
