import { readFileSync } from 'node:fs';
import {
  App,
  type CfnElement,
  Stack,
  aws_stepfunctions as sfn,
  aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { BreakwaterControlPlane, BreakwaterStore } from '../../infra/constructs/index.js';
import { ControlPlanePart } from '../../infra/constructs/part.js';
import { ALL_HANDLERS, HOME_ACCOUNT, REGION, TARGET_ACCOUNT } from './helpers.js';

/*
 * BreakwaterControlPlane was one construct; it is now made of parts (store, steps, workflows,
 * target access, triggers, API, console, monitoring). A stack deployed before the split must
 * update in place: CloudFormation replaces a resource whose logical ID changes, and the table
 * (deletion protection), the named state machines and roles, the user pool and the buckets
 * cannot be replaced. The fixture holds every logical ID the construct made before the split,
 * by type (synthesised from the last commit before it with the props below), except the two
 * kinds CDK names after other constructs' unique ids and that are replaced freely anyway:
 * Lambda permissions and API Gateway deployments (a new one on every API change).
 */
const PRE_SPLIT: Record<string, string[]> = JSON.parse(
  readFileSync(new URL('./fixtures/pre-split-logical-ids.json', import.meta.url), 'utf8'),
);

function synthesize(build: (stack: Stack) => void): Record<string, { Type: string }> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: HOME_ACCOUNT, region: REGION } });
  build(stack);
  return app.synth().getStackByName('Test').template.Resources;
}

describe('logical IDs across the split into parts', () => {
  it('keeps the logical ID and type of every resource the unsplit construct made', () => {
    const resources = synthesize((stack) => {
      new BreakwaterControlPlane(stack, 'Breakwater', {
        handlers: ALL_HANDLERS,
        targetAccounts: [TARGET_ACCOUNT],
        targetRegions: ['eu-west-1', 'us-east-1'],
        targetFunctionNames: ['checkout'],
        organisationAlarms: ['org-sev1-{target.region}'],
        hookFunctionArns: [`arn:aws:lambda:${REGION}:${HOME_ACCOUNT}:function:hook`],
        alarmTopic: new sns.Topic(stack, 'Topic'),
        stateMachineLogLevel: sfn.LogLevel.ALL,
      });
    });
    const missing: string[] = [];
    for (const [type, ids] of Object.entries(PRE_SPLIT)) {
      for (const id of ids) {
        if (resources[id]?.Type !== type)
          missing.push(`${id} (${type}, now ${resources[id]?.Type ?? 'absent'})`);
      }
    }
    expect(missing).toEqual([]);
    // The fixture is the whole construct, not a sample: 168 resources of 32 types.
    expect(Object.values(PRE_SPLIT).flat()).toHaveLength(168);
    expect(PRE_SPLIT['AWS::DynamoDB::Table']).toEqual([expect.stringMatching(/^BreakwaterTable/)]);
  });

  it('names a part’s resources as if the control plane had made them itself', () => {
    const resources = synthesize((stack) => {
      const plane = new BreakwaterControlPlane(stack, 'Breakwater', { handlers: {}, console: false });
      // Added after the construct was built: kept by the aspect, not by the part's constructor.
      new sqs.Queue(plane.store, 'LateQueue');
    });
    const plain = synthesize((stack) => {
      new sqs.Queue(new Construct(stack, 'Breakwater'), 'LateQueue');
    });
    const late = Object.keys(plain).find((id) => id.startsWith('BreakwaterLateQueue'));
    expect(late).toBeDefined();
    expect(resources[late!]?.Type).toBe('AWS::SQS::Queue');
  });

  it('names them through the stack’s own allocateLogicalId and renameLogicalId', () => {
    class TeamStack extends Stack {
      protected override allocateLogicalId(element: CfnElement): string {
        return `Team${super.allocateLogicalId(element)}`;
      }
    }
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new TeamStack(app, 'Test', { env: { account: HOME_ACCOUNT, region: REGION } });
    const table = PRE_SPLIT['AWS::DynamoDB::Table']![0]!;
    stack.renameLogicalId(`Team${table}`, 'DeploymentsTable');
    new BreakwaterControlPlane(stack, 'Breakwater', { handlers: {}, console: false });
    const resources = app.synth().getStackByName('Test').template.Resources;
    expect(resources.DeploymentsTable?.Type).toBe('AWS::DynamoDB::Table');
    const role = PRE_SPLIT['AWS::IAM::Role']!.find((id) => id.startsWith('BreakwaterStartWaveRole'))!;
    expect(resources[`Team${role}`]?.Type).toBe('AWS::IAM::Role');
  });

  it('gives a part used on its own, outside the control plane, CDK’s ordinary IDs', () => {
    const resources = synthesize((stack) => {
      const store = new BreakwaterStore(new Construct(stack, 'Mine'), 'Store');
      expect(store).toBeInstanceOf(ControlPlanePart);
    });
    expect(Object.keys(resources)).toEqual([expect.stringMatching(/^MineStoreTable[0-9A-F]{8}$/)]);
  });

  it('refuses two resources the same pre-split ID', () => {
    expect(() =>
      synthesize((stack) => {
        const plane = new BreakwaterControlPlane(stack, 'Breakwater', { handlers: {}, console: false });
        new sqs.Queue(plane.store, 'Twin');
        new sqs.Queue(plane.steps, 'Twin');
      }),
    ).toThrow(
      /Breakwater\/Steps\/Twin\/Resource would take the logical ID BreakwaterTwin[0-9A-F]{8} of Test\/Breakwater\/Store\/Twin\/Resource/,
    );
  });

  it('leaves a logical ID someone else overrode (API Gateway names its deployment by a hash)', () => {
    const resources = synthesize((stack) => {
      new BreakwaterControlPlane(stack, 'Breakwater', { handlers: ALL_HANDLERS, console: false });
    });
    const deployments = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::ApiGateway::Deployment');
    expect(deployments).toHaveLength(1);
    // Its own scheme: the API's logical ID followed by the 32-hex hash of the API's methods.
    expect(deployments[0]![0]).toMatch(/^BreakwaterApiDeployment[0-9A-F]{8}[0-9a-f]{32}$/);
  });
});
