import { App, aws_logs as logs, Stack, aws_sqs as sqs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  BreakwaterApi,
  BreakwaterConfigError,
  BreakwaterMonitoring,
  BreakwaterSteps,
  BreakwaterStore,
  BreakwaterWorkflows,
} from '../../infra/constructs/index.js';
import { DEPLOYMENT_EVENT_SOURCE } from '../../src/ports/events.js';
import { STEP_FUNCTIONS } from '../../src/ports/step-catalog.js';
import { HOME_ACCOUNT, identityStatements, REGION, render } from './helpers.js';

/*
 * The parts of BreakwaterControlPlane used on their own, as a team composing its own control
 * plane would: each brings what it needs (grants, environment, acknowledgements) with it.
 */

function stackWith(build: (scope: Construct) => void): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Own', { env: { account: HOME_ACCOUNT, region: REGION } });
  build(new Construct(stack, 'Mine'));
  return Template.fromStack(stack);
}

const common = { logRetention: logs.RetentionDays.ONE_WEEK, memorySize: 512 };

describe('the control plane parts on their own', () => {
  it('gives the steps the table, and an event source that the bus condition allows', () => {
    const template = stackWith((scope) => {
      const store = new BreakwaterStore(scope, 'Store');
      new BreakwaterSteps(scope, 'Steps', {
        name: 'mine',
        store,
        environment: { TABLE_NAME: store.table.tableName, EVENT_SOURCE: 'someone-else' },
        ...common,
      });
    });
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(STEP_FUNCTIONS.length);
    for (const fn of functions) {
      // The environment given is kept, but the source is the one the grant allows.
      expect(fn.Properties.Environment.Variables.EVENT_SOURCE).toBe(DEPLOYMENT_EVENT_SOURCE);
      expect(fn.Properties.MemorySize).toBe(512);
    }
    const publish = identityStatements(template).filter((s) => s.actions.includes('events:PutEvents'));
    expect(publish).toHaveLength(STEP_FUNCTIONS.length);
    for (const statement of publish) {
      expect(statement.raw.Condition).toEqual({ StringEquals: { 'events:source': DEPLOYMENT_EVENT_SOURCE } });
    }
    const tableWrites = identityStatements(template).filter((s) => s.actions.includes('dynamodb:PutItem'));
    expect(tableWrites).toHaveLength(STEP_FUNCTIONS.length);
    expect(tableWrites[0]!.resources.map((r) => render(r))).toContainEqual(
      expect.stringMatching(/^<MineStoreTable[0-9A-F]{8}\.Arn>$/),
    );
  });

  it('watches only what it is given: no Deployment timeout or rollback DLQ alarm without them', () => {
    const template = stackWith((scope) => {
      const store = new BreakwaterStore(scope, 'Store');
      new BreakwaterMonitoring(scope, 'Monitoring', {
        name: 'mine',
        resources: {
          stateMachines: {},
          functions: {},
          table: store.table,
          deadLetterQueues: { Mine: new sqs.Queue(scope, 'Dlq') },
        },
      });
    });
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toEqual([expect.stringMatching(/^MineMonitoringTableThrottlesAlarm/)]);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('refuses an API with no route, naming both props', () => {
    const build = () =>
      stackWith((scope) => {
        const store = new BreakwaterStore(scope, 'Store');
        const steps = new BreakwaterSteps(scope, 'Steps', {
          name: 'mine',
          store,
          environment: {},
          ...common,
        });
        const workflows = new BreakwaterWorkflows(scope, 'Workflows', { name: 'mine', steps, ...common });
        new BreakwaterApi(scope, 'Api', {
          name: 'mine',
          store,
          workflows,
          environment: {},
          throttling: { rate: 1, burst: 1 },
          ...common,
        });
      });
    expect(build).toThrow(BreakwaterConfigError);
    expect(build).toThrow(
      'BreakwaterApi: entry, githubWebhook: expected the API handler entry, the GitHub webhook Lambda',
    );
  });
});
