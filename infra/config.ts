import { ACCOUNT_ID, BreakwaterConfigError, ORGANISATION_ID, REGION } from './constructs/validation.js';

/**
 * What `infra/app.ts` deploys, read from the environment so that `npm run synth` works offline
 * with no credentials and no file to write. Every variable is optional.
 *
 * | variable                          | meaning                                               | default                     |
 * | --------------------------------- | ----------------------------------------------------- | --------------------------- |
 * | BREAKWATER_STACK_NAME             | CloudFormation stack name                             | `Breakwater`                |
 * | BREAKWATER_NAME                   | prefix of state machine and role names                | `breakwater`                |
 * | BREAKWATER_ACCOUNT                | control plane account (else CDK_DEFAULT_ACCOUNT)      | environment-agnostic        |
 * | BREAKWATER_REGION                 | control plane region (else CDK_DEFAULT_REGION)        | `us-east-1`                 |
 * | BREAKWATER_TARGET_ACCOUNTS        | comma-separated accounts reached through a role      | none                        |
 * | BREAKWATER_TARGET_REGIONS         | comma-separated target regions                        | the control plane region    |
 * | BREAKWATER_TARGET_FUNCTIONS       | comma-separated function names pipelines may deploy   | any (see docs/deploy.md)    |
 * | BREAKWATER_TARGET_ALIASES         | aliases of those functions (target role stacks)       | `live`                      |
 * | BREAKWATER_ORGANISATION_ALARMS    | comma-separated organisation-wide blocker alarms      | none                        |
 * | BREAKWATER_ORGANISATION_ID        | AWS Organizations id whose accounts may send alarms   | the target accounts only    |
 * | BREAKWATER_LOG_RETENTION_DAYS     | retention of every log group                          | `30`                        |
 * | BREAKWATER_CONSOLE                | `false` skips the hosted dashboard (S3 + CloudFront)  | `true`                      |
 */
export interface InfraConfig {
  readonly stackName: string;
  readonly name: string;
  /** Undefined: the stack deploys into whichever account the credentials belong to. */
  readonly account?: string;
  readonly region: string;
  readonly targetAccounts: readonly string[];
  readonly targetRegions: readonly string[];
  readonly targetFunctionNames?: readonly string[];
  readonly organisationAlarms?: readonly string[];
  /** BreakwaterControlPlaneProps.organisationId: the bus accepts alarm events from the organisation. */
  readonly organisationId?: string;
  readonly targetAliases: readonly string[];
  readonly logRetentionDays: number;
  /** Host the dashboard in S3 behind CloudFront (BreakwaterControlPlaneProps.console). */
  readonly console: boolean;
}

export function loadInfraConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const account = blankToUndefined(env.BREAKWATER_ACCOUNT ?? env.CDK_DEFAULT_ACCOUNT);
  if (account !== undefined && !ACCOUNT_ID.test(account)) {
    throw new BreakwaterConfigError(
      'infra config',
      'BREAKWATER_ACCOUNT',
      account,
      'a 12-digit AWS account id',
    );
  }
  const region = blankToUndefined(env.BREAKWATER_REGION ?? env.CDK_DEFAULT_REGION) ?? 'us-east-1';
  if (!REGION.test(region)) {
    throw new BreakwaterConfigError(
      'infra config',
      'BREAKWATER_REGION',
      region,
      'an AWS region name such as "eu-west-1"',
    );
  }
  const retention = env.BREAKWATER_LOG_RETENTION_DAYS ?? '30';
  const logRetentionDays = Number(retention);
  if (!/^\d+$/.test(retention)) {
    throw new BreakwaterConfigError(
      'infra config',
      'BREAKWATER_LOG_RETENTION_DAYS',
      retention,
      'a number of days',
    );
  }
  const consoleSetting = blankToUndefined(env.BREAKWATER_CONSOLE)?.toLowerCase() ?? 'true';
  if (consoleSetting !== 'true' && consoleSetting !== 'false') {
    throw new BreakwaterConfigError(
      'infra config',
      'BREAKWATER_CONSOLE',
      consoleSetting,
      '"true" or "false"',
    );
  }
  const organisationId = blankToUndefined(env.BREAKWATER_ORGANISATION_ID);
  if (organisationId !== undefined && !ORGANISATION_ID.test(organisationId)) {
    throw new BreakwaterConfigError(
      'infra config',
      'BREAKWATER_ORGANISATION_ID',
      organisationId,
      'an AWS Organizations id such as "o-a1b2c3d4e5"',
    );
  }
  const targetFunctionNames = list(env.BREAKWATER_TARGET_FUNCTIONS);
  const organisationAlarms = list(env.BREAKWATER_ORGANISATION_ALARMS);
  const targetRegions = list(env.BREAKWATER_TARGET_REGIONS);
  const targetAliases = list(env.BREAKWATER_TARGET_ALIASES);
  return {
    stackName: blankToUndefined(env.BREAKWATER_STACK_NAME) ?? 'Breakwater',
    name: blankToUndefined(env.BREAKWATER_NAME) ?? 'breakwater',
    ...(account === undefined ? {} : { account }),
    region,
    targetAccounts: list(env.BREAKWATER_TARGET_ACCOUNTS),
    targetRegions: targetRegions.length > 0 ? targetRegions : [region],
    ...(targetFunctionNames.length > 0 ? { targetFunctionNames } : {}),
    ...(organisationAlarms.length > 0 ? { organisationAlarms } : {}),
    ...(organisationId === undefined ? {} : { organisationId }),
    targetAliases: targetAliases.length > 0 ? targetAliases : ['live'],
    logRetentionDays,
    console: consoleSetting === 'true',
  };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
