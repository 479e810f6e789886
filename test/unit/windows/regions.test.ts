import Holidays from 'date-holidays';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isKnownRegion, KNOWN_REGIONS, regionInfo, UnknownRegionError } from '../../../src/core/regions.js';

describe('regionInfo', () => {
  it.each([
    ['us-east-1', 'America/New_York', 'US'],
    ['us-west-2', 'America/Los_Angeles', 'US'],
    ['eu-west-1', 'Europe/Dublin', 'IE'],
    ['eu-central-1', 'Europe/Berlin', 'DE'],
    ['eu-west-2', 'Europe/London', 'GB'],
    ['eu-west-3', 'Europe/Paris', 'FR'],
    ['ap-northeast-1', 'Asia/Tokyo', 'JP'],
    ['ap-southeast-2', 'Australia/Sydney', 'AU'],
    ['ap-south-1', 'Asia/Kolkata', 'IN'],
    ['sa-east-1', 'America/Sao_Paulo', 'BR'],
    ['ca-central-1', 'America/Toronto', 'CA'],
  ])('maps %s to %s in %s', (region, timeZone, country) => {
    expect(regionInfo(region)).toMatchObject({ region, timeZone, country });
  });

  it('throws naming the unknown region', () => {
    expect(() => regionInfo('eu-middle-9')).toThrow(UnknownRegionError);
    expect(() => regionInfo('eu-middle-9')).toThrow(/unknown AWS region "eu-middle-9"/);
    expect(isKnownRegion('eu-middle-9')).toBe(false);
    expect(isKnownRegion('toString')).toBe(false);
  });

  it.each(KNOWN_REGIONS)('knows a valid IANA zone and a date-holidays country for %s', (region) => {
    const info = regionInfo(region);
    expect(IANAZone.isValidZone(info.timeZone)).toBe(true);
    expect(Object.keys(new Holidays().getCountries())).toContain(info.country);
  });
});
