import { BreakwaterError } from './errors.js';

/**
 * Where an AWS region "lives" for time windows: the IANA time zone its business hours are read in
 * and the ISO 3166-1 country whose public holidays apply by default. A region spans one data-centre
 * metro, so one zone is representative; a pipeline that needs another zone (say, its on-call team's)
 * sets `timeZone` and `holidays` in its window.
 */
export interface RegionInfo {
  readonly region: string;
  /** IANA time zone, e.g. `America/New_York`. */
  readonly timeZone: string;
  /** ISO 3166-1 alpha-2 country, as date-holidays spells it (`GB`, not `UK`). */
  readonly country: string;
  /** Human name of the location, for messages. */
  readonly location: string;
}

/** The region is not one Breakwater knows the time zone and country of. */
export class UnknownRegionError extends BreakwaterError {
  constructor(readonly region: string) {
    super(
      `unknown AWS region "${region}": Breakwater does not know its time zone and holiday country; ` +
        `expected one of ${Object.keys(REGIONS).join(', ')} — or set "timeZone" and "holidays" in the window`,
    );
  }
}

const r = (timeZone: string, country: string, location: string) => ({ timeZone, country, location });

const REGIONS: Readonly<Record<string, Omit<RegionInfo, 'region'>>> = {
  // North America
  'us-east-1': r('America/New_York', 'US', 'N. Virginia'),
  'us-east-2': r('America/New_York', 'US', 'Ohio'),
  'us-west-1': r('America/Los_Angeles', 'US', 'N. California'),
  'us-west-2': r('America/Los_Angeles', 'US', 'Oregon'),
  'us-gov-east-1': r('America/New_York', 'US', 'GovCloud (US-East)'),
  'us-gov-west-1': r('America/Los_Angeles', 'US', 'GovCloud (US-West)'),
  'ca-central-1': r('America/Toronto', 'CA', 'Canada (Central)'),
  'ca-west-1': r('America/Edmonton', 'CA', 'Calgary'),
  'mx-central-1': r('America/Mexico_City', 'MX', 'Mexico (Central)'),
  // South America
  'sa-east-1': r('America/Sao_Paulo', 'BR', 'São Paulo'),
  // Europe
  'eu-west-1': r('Europe/Dublin', 'IE', 'Ireland'),
  'eu-west-2': r('Europe/London', 'GB', 'London'),
  'eu-west-3': r('Europe/Paris', 'FR', 'Paris'),
  'eu-central-1': r('Europe/Berlin', 'DE', 'Frankfurt'),
  'eu-central-2': r('Europe/Zurich', 'CH', 'Zurich'),
  'eu-south-1': r('Europe/Rome', 'IT', 'Milan'),
  'eu-south-2': r('Europe/Madrid', 'ES', 'Spain'),
  'eu-north-1': r('Europe/Stockholm', 'SE', 'Stockholm'),
  // Middle East and Africa
  'il-central-1': r('Asia/Jerusalem', 'IL', 'Tel Aviv'),
  'me-south-1': r('Asia/Bahrain', 'BH', 'Bahrain'),
  'me-central-1': r('Asia/Dubai', 'AE', 'UAE'),
  'af-south-1': r('Africa/Johannesburg', 'ZA', 'Cape Town'),
  // Asia Pacific
  'ap-east-1': r('Asia/Hong_Kong', 'HK', 'Hong Kong'),
  'ap-east-2': r('Asia/Taipei', 'TW', 'Taipei'),
  'ap-south-1': r('Asia/Kolkata', 'IN', 'Mumbai'),
  'ap-south-2': r('Asia/Kolkata', 'IN', 'Hyderabad'),
  'ap-northeast-1': r('Asia/Tokyo', 'JP', 'Tokyo'),
  'ap-northeast-2': r('Asia/Seoul', 'KR', 'Seoul'),
  'ap-northeast-3': r('Asia/Tokyo', 'JP', 'Osaka'),
  'ap-southeast-1': r('Asia/Singapore', 'SG', 'Singapore'),
  'ap-southeast-2': r('Australia/Sydney', 'AU', 'Sydney'),
  'ap-southeast-3': r('Asia/Jakarta', 'ID', 'Jakarta'),
  'ap-southeast-4': r('Australia/Melbourne', 'AU', 'Melbourne'),
  'ap-southeast-5': r('Asia/Kuala_Lumpur', 'MY', 'Malaysia'),
  'ap-southeast-6': r('Pacific/Auckland', 'NZ', 'New Zealand'),
  'ap-southeast-7': r('Asia/Bangkok', 'TH', 'Thailand'),
  // China (separate partition)
  'cn-north-1': r('Asia/Shanghai', 'CN', 'Beijing'),
  'cn-northwest-1': r('Asia/Shanghai', 'CN', 'Ningxia'),
};

/** Every region Breakwater knows, sorted. */
export const KNOWN_REGIONS: readonly string[] = Object.keys(REGIONS).sort();

/** Whether {@link regionInfo} knows `region`. */
export function isKnownRegion(region: string): boolean {
  return Object.hasOwn(REGIONS, region);
}

/**
 * The representative time zone and holiday country of an AWS region.
 * Throws {@link UnknownRegionError} naming the region when it is not known.
 *
 * @example regionInfo('eu-central-1') // { region: 'eu-central-1', timeZone: 'Europe/Berlin', country: 'DE', ... }
 */
export function regionInfo(region: string): RegionInfo {
  const info = Object.hasOwn(REGIONS, region) ? REGIONS[region] : undefined;
  if (!info) throw new UnknownRegionError(region);
  return { region, ...info };
}
