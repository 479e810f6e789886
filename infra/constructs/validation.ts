import { Token } from 'aws-cdk-lib';

/**
 * Construct validation: every check throws at synth time with the construct, the path of the
 * bad prop, the value received and what was expected, e.g.
 * `BreakwaterControlPlane: targetAccounts[1]: expected a 12-digit AWS account id, got "12345"`.
 * Unresolved tokens are accepted as they are: their value is only known at deploy time.
 */
export class BreakwaterConfigError extends Error {
  constructor(
    readonly construct: string,
    readonly path: string,
    readonly received: unknown,
    readonly expected: string,
  ) {
    super(`${construct}: ${path}: expected ${expected}, got ${JSON.stringify(received)}`);
    this.name = 'BreakwaterConfigError';
  }
}

export const ACCOUNT_ID = /^\d{12}$/;
/** Commercial, China, GovCloud and ISO region names: `eu-west-1`, `cn-north-1`, `us-gov-west-1`. */
export const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
/** A Lambda function name (the unqualified name, not an ARN). */
export const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** A Lambda alias name: letters, digits, `-` and `_`, 1–128 characters, not only digits. */
export const ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/;
/** An IAM role name (no path). */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** An IAM role ARN without a path, in any partition. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@-]{1,64}$/;
/** An AWS Organizations organisation id. */
export const ORGANISATION_ID = /^o-[a-z0-9]{10,32}$/;
/** An EventBridge event bus ARN in any partition: account in group 2, region in group 1. */
export const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/[\w.\-/]{1,256}$/;
/** What STS accepts as an ExternalId. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export class Validator {
  constructor(readonly construct: string) {}

  pattern(path: string, value: string, pattern: RegExp, expected: string): void {
    if (Token.isUnresolved(value)) return;
    if (!pattern.test(value)) throw new BreakwaterConfigError(this.construct, path, value, expected);
  }

  each(path: string, values: readonly string[] | undefined, pattern: RegExp, expected: string): void {
    values?.forEach((value, index) => {
      this.pattern(`${path}[${index}]`, value, pattern, expected);
    });
  }

  nonEmpty(path: string, values: readonly unknown[]): void {
    if (values.length === 0)
      throw new BreakwaterConfigError(this.construct, path, values, 'at least one entry');
  }

  unique(path: string, values: readonly string[]): void {
    const seen = new Set<string>();
    values.forEach((value, index) => {
      if (seen.has(value)) {
        throw new BreakwaterConfigError(this.construct, `${path}[${index}]`, value, 'no duplicates');
      }
      seen.add(value);
    });
  }

  integerInRange(path: string, value: number, min: number, max: number): void {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new BreakwaterConfigError(this.construct, path, value, `an integer from ${min} to ${max}`);
    }
  }

  logRetention(path: string, days: number): void {
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
      throw new BreakwaterConfigError(
        this.construct,
        path,
        days,
        `a CloudWatch Logs retention in days, one of ${LOG_RETENTION_DAYS.join(', ')}`,
      );
    }
  }
}
