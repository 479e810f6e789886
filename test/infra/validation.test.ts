import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadInfraConfig } from '../../infra/config.js';
import { loadAslDefinition } from '../../infra/constructs/asl.js';
import {
  BreakwaterControlPlane,
  type BreakwaterControlPlaneProps,
} from '../../infra/constructs/control-plane.js';
import { BreakwaterTargetRole, type BreakwaterTargetRoleProps } from '../../infra/constructs/target-role.js';
import { HOME_ACCOUNT } from './helpers.js';

const plane = (props: BreakwaterControlPlaneProps) => () =>
  new BreakwaterControlPlane(new Stack(new App(), 'S', { env: { region: 'eu-west-1' } }), 'ControlPlane', {
    handlers: {},
    ...props,
  });

const targetRole = (props: Partial<BreakwaterTargetRoleProps>) => () =>
  new BreakwaterTargetRole(new Stack(new App(), 'T', { env: { region: 'eu-west-1' } }), 'TargetRole', {
    controlPlaneRoleArns: [`arn:aws:iam::${HOME_ACCOUNT}:role/breakwater-RollBack-eu-west-1`],
    functions: [{ functionName: 'payments', aliases: ['live'] }],
    ...props,
  });

describe('construct validation quotes the bad value and what was expected', () => {
  it.each([
    [
      { targetAccounts: ['222222222222', '12345'] },
      'BreakwaterControlPlane: targetAccounts[1]: expected a 12-digit AWS account id, got "12345"',
    ],
    [
      { targetAccounts: ['222222222222', '222222222222'] },
      'targetAccounts[1]: expected no duplicates, got "222222222222"',
    ],
    [
      { targetRegions: ['eu-west'] },
      'targetRegions[0]: expected an AWS region name such as "eu-west-1", got "eu-west"',
    ],
    [{ targetRegions: [] }, 'targetRegions: expected at least one entry, got []'],
    [{ targetFunctionNames: ['pay ments'] }, 'targetFunctionNames[0]: expected a Lambda function name'],
    [
      { logRetentionDays: 42 },
      'logRetentionDays: expected a CloudWatch Logs retention in days, one of 1, 3, 5',
    ],
    [
      { maxRequestBodyBytes: 20_000_000 },
      'maxRequestBodyBytes: expected an integer from 1 to 10485760, got 20000000',
    ],
    [{ name: 'Breakwater_Prod' }, 'name: expected lower-case letters, digits and "-"'],
    [{ targetRoleName: 'a/b' }, 'targetRoleName: expected an IAM role name without a path, got "a/b"'],
    [
      { organisationId: 'org-1' },
      'organisationId: expected an AWS Organizations id such as "o-a1b2c3d4e5", got "org-1"',
    ],
  ] as [BreakwaterControlPlaneProps, string][])('BreakwaterControlPlane rejects %j', (props, message) => {
    // GIVEN a bad prop WHEN the construct is built THEN the error names the prop, the value and the expectation
    expect(plane(props)).toThrow(message);
  });

  it.each([
    [
      { controlPlaneRoleArns: ['arn:aws:iam::1111:role/x'] },
      'BreakwaterTargetRole: controlPlaneRoleArns[0]: expected an IAM role ARN such as "arn:aws:iam::111111111111:role/NAME", got "arn:aws:iam::1111:role/x"',
    ],
    [{ controlPlaneRoleArns: [] }, 'controlPlaneRoleArns: expected at least one entry, got []'],
    [
      { controlPlaneRoleArns: ['arn:aws:iam::111111111111:role/a', 'arn:aws:iam::333333333333:role/b'] },
      'controlPlaneRoleArns: expected roles of one control plane account (found 111111111111, 333333333333)',
    ],
    [
      { functions: [{ functionName: 'payments', aliases: ['42'] }] },
      'functions[0].aliases[0]: expected a Lambda alias name (1-128 of a-z A-Z 0-9 - _, not only digits), got "42"',
    ],
    [
      { functions: [{ functionName: 'payments', aliases: [] }] },
      'functions[0].aliases: expected at least one entry, got []',
    ],
    [{ functions: [] }, 'functions: expected at least one entry, got []'],
    [
      { regions: ['EU-WEST-1'] },
      'regions[0]: expected an AWS region name such as "eu-west-1", got "EU-WEST-1"',
    ],
    [{ externalId: 'x' }, 'externalId: expected an ExternalId of 2-1224 characters'],
  ] as [Partial<BreakwaterTargetRoleProps>, string][])(
    'BreakwaterTargetRole rejects %j',
    (props, message) => {
      expect(targetRole(props)).toThrow(message);
    },
  );

  it('accepts the defaults', () => {
    expect(targetRole({})).not.toThrow();
  });
});

describe('loadInfraConfig', () => {
  it('synthesizes offline with placeholders when nothing is set', () => {
    // GIVEN no environment WHEN the config is read THEN the stack is environment-agnostic in us-east-1
    expect(loadInfraConfig({})).toEqual({
      stackName: 'Breakwater',
      name: 'breakwater',
      region: 'us-east-1',
      targetAccounts: [],
      targetRegions: ['us-east-1'],
      targetAliases: ['live'],
      logRetentionDays: 30,
      console: true,
    });
  });

  it('turns the hosted console off with BREAKWATER_CONSOLE=false and rejects other words', () => {
    expect(loadInfraConfig({ BREAKWATER_CONSOLE: 'false' }).console).toBe(false);
    expect(loadInfraConfig({ BREAKWATER_CONSOLE: 'TRUE' }).console).toBe(true);
    expect(() => loadInfraConfig({ BREAKWATER_CONSOLE: 'no' })).toThrow(
      'BREAKWATER_CONSOLE: expected "true" or "false", got "no"',
    );
  });

  it('reads lists and the account from the environment', () => {
    const config = loadInfraConfig({
      BREAKWATER_ACCOUNT: HOME_ACCOUNT,
      BREAKWATER_REGION: 'eu-west-1',
      BREAKWATER_TARGET_ACCOUNTS: '222222222222, 333333333333',
      BREAKWATER_TARGET_FUNCTIONS: 'payments,orders',
    });
    expect(config).toMatchObject({
      account: HOME_ACCOUNT,
      targetAccounts: ['222222222222', '333333333333'],
      targetRegions: ['eu-west-1'],
      targetFunctionNames: ['payments', 'orders'],
    });
  });

  it('reads the organisation id and rejects a malformed one with the value', () => {
    expect(loadInfraConfig({ BREAKWATER_ORGANISATION_ID: 'o-a1b2c3d4e5' }).organisationId).toBe(
      'o-a1b2c3d4e5',
    );
    expect(() => loadInfraConfig({ BREAKWATER_ORGANISATION_ID: '123' })).toThrow(
      'BREAKWATER_ORGANISATION_ID: expected an AWS Organizations id such as "o-a1b2c3d4e5", got "123"',
    );
  });

  it('rejects a malformed account with the value', () => {
    expect(() => loadInfraConfig({ BREAKWATER_ACCOUNT: '12' })).toThrow(
      'BREAKWATER_ACCOUNT: expected a 12-digit AWS account id, got "12"',
    );
  });
});

describe('loadAslDefinition', () => {
  it('names the file and every placeholder left without a substitution', () => {
    // GIVEN the Wave ASL WHEN only one of its placeholders is given THEN the error lists the others
    expect(() => loadAslDefinition('statemachines/wave.asl.json', { StartWaveFunctionArn: 'arn' })).toThrow(
      /statemachines\/wave\.asl\.json: expected a substitution for every placeholder, got none for .*\$\{BatchStateMachineArn\}/,
    );
  });
});
