import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadInfraConfig } from '../../infra/config.js';
import { defineBreakwaterApp } from '../../infra/stacks.js';
import { ALARM_STATE_CHANGE_PATTERN } from '../../src/ports/alarm-events.js';
import { HOME_ACCOUNT, TARGET_ACCOUNT } from './helpers.js';

/** The app without esbuild: the templates are the same, bundling is what is slow. */
const unbundled = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

describe('defineBreakwaterApp (infra/app.ts)', () => {
  it('adds an alarm forwarder per target account and region, and per other region of the control plane account', () => {
    // GIVEN a control plane in eu-west-1 with one target account and targets in two regions
    const config = loadInfraConfig({
      BREAKWATER_ACCOUNT: HOME_ACCOUNT,
      BREAKWATER_REGION: 'eu-west-1',
      BREAKWATER_TARGET_ACCOUNTS: TARGET_ACCOUNT,
      BREAKWATER_TARGET_REGIONS: 'eu-west-1,us-east-1',
      BREAKWATER_TARGET_FUNCTIONS: 'payments',
    });
    // WHEN the app is defined
    const stacks = defineBreakwaterApp(unbundled(), config);
    // THEN the forwarders cover every account and region but the control plane's own
    expect(stacks.alarmForwarders.map((s) => s.stackName).sort()).toEqual([
      `Breakwater-Alarms-${HOME_ACCOUNT}-us-east-1`,
      `Breakwater-Alarms-${TARGET_ACCOUNT}-eu-west-1`,
      `Breakwater-Alarms-${TARGET_ACCOUNT}-us-east-1`,
    ]);
    // AND each forwards the watcher's pattern to the control plane's default bus
    for (const stack of stacks.alarmForwarders) {
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.exact(ALARM_STATE_CHANGE_PATTERN),
        Targets: [Match.objectLike({ Arn: `arn:aws:events:eu-west-1:${HOME_ACCOUNT}:event-bus/default` })],
      });
    }
    // AND the target account's role trusts the alarm watcher, and the bus accepts that account
    Template.fromStack(stacks.targetRoles[0]!).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              ArnEquals: {
                'aws:PrincipalArn': Match.arrayWith([
                  `arn:aws:iam::${HOME_ACCOUNT}:role/breakwater-AlarmState-eu-west-1`,
                ]),
              },
            },
          }),
        ],
      },
    });
    Template.fromStack(stacks.controlPlane).hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({
        Principal: {
          AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${TARGET_ACCOUNT}:root`]] },
        },
      }),
    });
  });

  it('passes BREAKWATER_ORGANISATION_ID to the bus policy', () => {
    // GIVEN an organisation id
    const config = loadInfraConfig({
      BREAKWATER_ACCOUNT: HOME_ACCOUNT,
      BREAKWATER_TARGET_ACCOUNTS: TARGET_ACCOUNT,
      BREAKWATER_ORGANISATION_ID: 'o-a1b2c3d4e5',
    });
    const stacks = defineBreakwaterApp(unbundled(), config);
    // THEN the control plane's bus accepts alarm events from the organisation
    Template.fromStack(stacks.controlPlane).hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({
        Principal: { AWS: '*' },
        Condition: Match.objectLike({
          StringEquals: Match.objectLike({ 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' }),
        }),
      }),
    });
    // AND without target functions there is no target role stack, but the forwarder still is
    expect(stacks.targetRoles).toEqual([]);
    expect(stacks.alarmForwarders.map((s) => s.stackName)).toEqual([
      `Breakwater-Alarms-${TARGET_ACCOUNT}-us-east-1`,
    ]);
  });

  it('builds only the control plane when its account is unknown (environment-agnostic synth)', () => {
    const stacks = defineBreakwaterApp(
      unbundled(),
      loadInfraConfig({ BREAKWATER_TARGET_ACCOUNTS: TARGET_ACCOUNT }),
    );
    expect(stacks.targetRoles).toEqual([]);
    expect(stacks.alarmForwarders).toEqual([]);
  });
});
