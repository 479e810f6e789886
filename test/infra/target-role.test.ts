import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TARGET_CALLERS, targetCallerRoleArns } from '../../infra/constructs/index.js';
import { BreakwaterTargetRole, type BreakwaterTargetRoleProps } from '../../infra/constructs/target-role.js';
import { HOME_ACCOUNT, identityStatements, REGION, type Statement, TARGET_ACCOUNT } from './helpers.js';

const CALLERS = targetCallerRoleArns(HOME_ACCOUNT, REGION);

function build(props: Partial<BreakwaterTargetRoleProps> = {}): Template {
  const stack = new Stack(new App(), 'Target', { env: { account: TARGET_ACCOUNT, region: REGION } });
  new BreakwaterTargetRole(stack, 'TargetRole', {
    controlPlaneRoleArns: CALLERS,
    functions: [
      { functionName: 'payments', aliases: ['live'] },
      { functionName: 'orders', aliases: ['live', 'canary'] },
    ],
    ...props,
  });
  return Template.fromStack(stack);
}

const fn = (name: string, region = REGION) =>
  `arn:<AWS::Partition>:lambda:${region}:${TARGET_ACCOUNT}:function:${name}`;

describe('BreakwaterTargetRole', () => {
  let template: Template;
  let statements: Statement[];

  beforeAll(() => {
    // GIVEN a target account with two functions and their aliases
    template = build();
    statements = identityStatements(template);
  });

  it('can be assumed only by the control plane roles that reach targets (steps and alarm watcher), by ARN', () => {
    // THEN the trust names the control plane account and requires one of the caller role ARNs
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'breakwater-target',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: {
              AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${HOME_ACCOUNT}:root`]] },
            },
            Condition: { ArnEquals: { 'aws:PrincipalArn': CALLERS } },
          },
        ],
      },
    });
    expect(CALLERS).toHaveLength(TARGET_CALLERS.length);
    expect(CALLERS).toContain(`arn:aws:iam::${HOME_ACCOUNT}:role/breakwater-CheckWaveGate-${REGION}`);
    expect(CALLERS).toContain(`arn:aws:iam::${HOME_ACCOUNT}:role/breakwater-PrepareTarget-${REGION}`);
    expect(CALLERS).toContain(`arn:aws:iam::${HOME_ACCOUNT}:role/breakwater-PrepareTarget-${REGION}`);
    // AND the alarm watcher, which shifts aliases back and re-reads alarms in target accounts
    expect(CALLERS).toContain(`arn:aws:iam::${HOME_ACCOUNT}:role/breakwater-AlarmState-${REGION}`);
  });

  it('adds an ExternalId condition when one is given', () => {
    const withExternalId = build({ externalId: 'breakwater-team-a' });
    withExternalId.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: {
              AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${HOME_ACCOUNT}:root`]] },
            },
            Condition: {
              ArnEquals: { 'aws:PrincipalArn': CALLERS },
              StringEquals: { 'sts:ExternalId': 'breakwater-team-a' },
            },
          },
        ],
      },
    });
  });

  it('shifts only the named aliases, publishes only the named functions and reads their versions', () => {
    const bySid = (sid: string) => statements.find((s) => s.raw.Sid === sid)!;
    expect(bySid('ShiftAliases').actions).toEqual(['lambda:GetAlias', 'lambda:UpdateAlias']);
    expect(bySid('ShiftAliases').resources.sort()).toEqual(
      [fn('payments'), fn('orders'), fn('payments:live'), fn('orders:live'), fn('orders:canary')].sort(),
    );
    expect(bySid('PublishVersions').actions).toEqual(['lambda:PublishVersion', 'lambda:UpdateFunctionCode']);
    expect(bySid('PublishVersions').resources.sort()).toEqual([fn('payments'), fn('orders')].sort());
    expect(bySid('ReadVersions').resources.sort()).toEqual(
      [fn('payments'), fn('orders'), fn('payments:*'), fn('orders:*')].sort(),
    );
    expect(bySid('ReadAlarms').resources).toEqual([
      `arn:<AWS::Partition>:cloudwatch:${REGION}:${TARGET_ACCOUNT}:alarm:*`,
    ]);
    expect(bySid('ReadMetrics')).toMatchObject({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] });
    expect(statements.every((s) => s.actions.every((a) => !a.includes('*')))).toBe(true);
  });

  it('covers every configured region', () => {
    const multi = identityStatements(
      build({ regions: ['eu-west-1', 'us-east-1'], maxSessionDuration: Duration.hours(2) }),
    );
    const publish = multi.find((s) => s.raw.Sid === 'PublishVersions')!;
    expect(publish.resources).toContain(fn('payments', 'us-east-1'));
    expect(publish.resources).toContain(fn('payments', 'eu-west-1'));
  });

  it('lets the control plane invoke only the named hook functions, and none without hookFunctions', () => {
    // Act
    const hooked = identityStatements(build({ hookFunctions: ['smoke-test'] }));

    // Assess
    const invoke = hooked.find((s) => s.raw.Sid === 'InvokeHooks')!;
    expect(invoke.actions).toEqual(['lambda:InvokeFunction']);
    expect(invoke.resources.sort()).toEqual([fn('smoke-test'), fn('smoke-test:*')].sort());
    expect(statements.some((s) => s.actions.includes('lambda:InvokeFunction'))).toBe(false);
    expect(() => build({ hookFunctions: ['not a name'] })).toThrow(/hookFunctions\[0\]/);
  });
});
