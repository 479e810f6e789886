import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BreakwaterAlarmForwarder } from '../../infra/constructs/alarm-forwarder.js';
import { controlPlaneEventBusArn } from '../../infra/constructs/control-plane.js';
import { ALARM_STATE_CHANGE_PATTERN } from '../../src/ports/alarm-events.js';
import { HOME_ACCOUNT, REGION, TARGET_ACCOUNT } from './helpers.js';

const CONTROL_PLANE_BUS = controlPlaneEventBusArn(HOME_ACCOUNT, REGION);

function build(account: string, region: string, busArn = CONTROL_PLANE_BUS): Template {
  const stack = new Stack(new App(), 'Alarms', { env: { account, region } });
  new BreakwaterAlarmForwarder(stack, 'AlarmForwarder', { controlPlaneEventBusArn: busArn });
  return Template.fromStack(stack);
}

describe('BreakwaterAlarmForwarder', () => {
  let template: Template;
  let roleId: string;

  beforeAll(() => {
    // GIVEN a target account whose alarms live in another region than the control plane's
    template = build(TARGET_ACCOUNT, 'us-east-1');
    roleId = Object.keys(template.findResources('AWS::IAM::Role'))[0]!;
  });

  it('names the control plane default bus by its ARN', () => {
    expect(CONTROL_PLANE_BUS).toBe(`arn:aws:events:${REGION}:${HOME_ACCOUNT}:event-bus/default`);
  });

  it('forwards exactly ALARM_STATE_CHANGE_PATTERN to the control plane bus, with its own role', () => {
    // THEN one rule on this account's default bus, the watcher's pattern, targeting the control plane bus
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact(ALARM_STATE_CHANGE_PATTERN),
      EventBusName: Match.absent(),
      State: 'ENABLED',
      Targets: [{ Id: 'Target0', Arn: CONTROL_PLANE_BUS, RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } }],
    });
  });

  it('lets EventBridge of this account only use the role, to put events on that one bus only', () => {
    // THEN the trust is events.amazonaws.com for this account's rules (confused deputy)
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': TARGET_ACCOUNT } },
          },
        ],
      },
    });
    // AND its only permission is events:PutEvents on the control plane's default bus
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: CONTROL_PLANE_BUS }],
      },
    });
  });

  it('also serves another region of the control plane account (same account, cross-region)', () => {
    // GIVEN the control plane account itself in another region
    const sameAccount = build(HOME_ACCOUNT, 'us-west-2');
    // THEN it forwards to the control plane region's bus
    sameAccount.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact(ALARM_STATE_CHANGE_PATTERN),
      Targets: [Match.objectLike({ Arn: CONTROL_PLANE_BUS })],
    });
  });

  it("refuses to forward the control plane's own account and region to itself", () => {
    // GIVEN a forwarder in the control plane's account and region WHEN it is built THEN it throws
    expect(() => build(HOME_ACCOUNT, REGION)).toThrow(
      `BreakwaterAlarmForwarder: controlPlaneEventBusArn: expected a bus in another account or region than this stack (${HOME_ACCOUNT}/${REGION})`,
    );
  });

  it('rejects a value that is not an event bus ARN, quoting it', () => {
    expect(() => build(TARGET_ACCOUNT, REGION, `arn:aws:sqs:${REGION}:${HOME_ACCOUNT}:queue`)).toThrow(
      `BreakwaterAlarmForwarder: controlPlaneEventBusArn: expected an event bus ARN such as "arn:aws:events:eu-west-1:111111111111:event-bus/default", got "arn:aws:sqs:${REGION}:${HOME_ACCOUNT}:queue"`,
    );
  });
});
