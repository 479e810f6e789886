import { readFileSync } from 'node:fs';
import { aws_iam as iam, type Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STATE_MACHINES, STEP_FUNCTIONS } from '../../functions/steps/catalog.js';
import { aslPlaceholders } from '../../infra/constructs/asl.js';
import {
  type BreakwaterControlPlane,
  DEPLOYMENT_STATE_CHANGE,
  EVENT_SOURCE,
  TARGET_CALLER_STEPS,
  targetCallerRoleArns,
} from '../../infra/constructs/control-plane.js';
import { GSI1, GSI1_PK, GSI1_SK, PK, SK, TTL_ATTRIBUTE } from '../../src/adapters/aws/table.js';
import {
  ALL_HANDLERS,
  buildControlPlane,
  HOME_ACCOUNT,
  identityStatements,
  logicalIdOf,
  REGION,
  render,
  type Statement,
  TARGET_ACCOUNT,
} from './helpers.js';

describe('BreakwaterControlPlane with every handler present', () => {
  let stack: Stack;
  let plane: BreakwaterControlPlane;
  let template: Template;
  let statements: Statement[];
  const fnId = (id: string) => logicalIdOf(stack, plane, `${id}Function`);

  beforeAll(() => {
    // GIVEN a control plane with one target account and every API/trigger handler
    // WHEN it is synthesized (once for the whole file)
    ({ stack, plane, template } = buildControlPlane({
      targetAccounts: [TARGET_ACCOUNT],
      handlers: ALL_HANDLERS,
    }));
    statements = identityStatements(template);
  });

  describe('table', () => {
    it('mirrors tableDefinition with PITR, deletion protection, SSE, TTL and RETAIN', () => {
      // THEN the single table has the keys, the gsi1 index and the protections
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: PK, KeyType: 'HASH' },
            { AttributeName: SK, KeyType: 'RANGE' },
          ],
          AttributeDefinitions: Match.arrayWith([
            { AttributeName: GSI1_PK, AttributeType: 'S' },
            { AttributeName: GSI1_SK, AttributeType: 'S' },
          ]),
          GlobalSecondaryIndexes: [
            {
              IndexName: GSI1,
              KeySchema: [
                { AttributeName: GSI1_PK, KeyType: 'HASH' },
                { AttributeName: GSI1_SK, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
          // SSEEnabled without a key: KMS with the AWS managed key aws/dynamodb.
          SSESpecification: { SSEEnabled: true },
          TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        },
      });
    });
  });

  describe('step functions', () => {
    it.each(STEP_FUNCTIONS.map((s) => [s.id]))(
      '%s runs nodejs22.x on arm64 with tracing and the Lambda environment',
      (id) => {
        // THEN each step Lambda has the runtime, architecture, tracing, log group and env it reads
        const fn = template.findResources('AWS::Lambda::Function')[fnId(id)];
        expect(fn).toBeDefined();
        const p = fn!.Properties;
        expect(p.Runtime).toBe('nodejs22.x');
        expect(p.Architectures).toEqual(['arm64']);
        expect(p.TracingConfig).toEqual({ Mode: 'Active' });
        expect(p.Handler).toBe('index.handler');
        expect(p.LoggingConfig.LogGroup).toBeDefined();
        const env = p.Environment.Variables;
        expect(render(env.TABLE_NAME)).toBe(`<${logicalIdOf(stack, plane, 'Table')}>`);
        expect(env.HOME_ACCOUNT_ID).toBe(HOME_ACCOUNT);
        expect(render(env.TARGET_ROLE_ARN_TEMPLATE)).toBe(
          'arn:<AWS::Partition>:iam::{account}:role/breakwater-target',
        );
        expect(env.POWERTOOLS_SERVICE_NAME).toBe('breakwater');
      },
    );

    it('gives every log group the configured retention', () => {
      // THEN every log group expires (30 days by default)
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThanOrEqual(STEP_FUNCTIONS.length + STATE_MACHINES.length);
      for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
    });

    it('lets only the steps that reach targets assume the target role, and only in the target accounts', () => {
      // THEN sts:AssumeRole names exactly the configured account's breakwater-target role
      const assume = statements.filter((s) => s.actions.includes('sts:AssumeRole'));
      expect(assume.map((s) => s.resources)).toEqual(
        TARGET_CALLER_STEPS.map(() => [`arn:<AWS::Partition>:iam::${TARGET_ACCOUNT}:role/breakwater-target`]),
      );
      expect(new Set(assume.map((s) => s.policy)).size).toBe(TARGET_CALLER_STEPS.length);
    });

    it('lets each step publish only Breakwater events to the default bus', () => {
      // THEN events:PutEvents is scoped to the default bus and the `breakwater` source
      const put = statements.filter((s) => s.actions.includes('events:PutEvents'));
      expect(put).toHaveLength(STEP_FUNCTIONS.length);
      for (const s of put) {
        expect(s.resources).toEqual([
          `arn:<AWS::Partition>:events:${REGION}:${HOME_ACCOUNT}:event-bus/default`,
        ]);
        expect(s.raw.Condition).toEqual({ StringEquals: { 'events:source': EVENT_SOURCE } });
      }
      expect(DEPLOYMENT_STATE_CHANGE).toBe('Breakwater Deployment State Change');
    });

    it('names the step roles so that target accounts can trust them', () => {
      // THEN the role names match what targetCallerRoleArns() gives target accounts
      const names = Object.values(template.findResources('AWS::IAM::Role')).map((r) => r.Properties.RoleName);
      for (const arn of targetCallerRoleArns(HOME_ACCOUNT, REGION)) {
        expect(names).toContain(arn.split('/')[1]);
      }
    });
  });

  describe('state machines', () => {
    it.each(STATE_MACHINES.map((m) => [m.id]))(
      '%s logs ALL to CloudWatch Logs and traces with X-Ray',
      (id) => {
        // THEN the machine is named, logs every event with execution data and is traced
        template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
          StateMachineName: `breakwater-${id}`,
          StateMachineType: 'STANDARD',
          LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
          TracingConfiguration: { Enabled: true },
        });
      },
    );

    it.each(STATE_MACHINES.map((m) => [m.id, m.file]))(
      '%s has every placeholder substituted in its synthesized definition',
      (id, file) => {
        // WHEN the DefinitionString (an Fn::Join of text and ARNs) is rendered
        const machine = template.findResources('AWS::StepFunctions::StateMachine')[
          logicalIdOf(stack, plane, `${id}StateMachine`)
        ];
        const definition = render(machine!.Properties.DefinitionString);
        // THEN nothing is left for CloudFormation to substitute, and it is still valid JSON
        expect(definition).not.toContain('${');
        expect(machine!.Properties.DefinitionSubstitutions).toBeUndefined();
        expect(() => JSON.parse(definition)).not.toThrow();
        // AND each step placeholder became that step's function ARN
        for (const name of aslPlaceholders(readFileSync(file, 'utf8'))) {
          const step = STEP_FUNCTIONS.find((s) => s.arnVariable === name);
          const child = STATE_MACHINES.find((m) => m.arnVariable === name);
          if (step) expect(definition).toContain(`"<${fnId(step.id)}.Arn>"`);
          else expect(definition).toContain(`:stateMachine:breakwater-${child!.id}"`);
        }
      },
    );

    it.each(STATE_MACHINES.map((m) => [m.id, m.file]))(
      '%s may invoke exactly the step functions its ASL calls',
      (id, file) => {
        // GIVEN the steps named in the ASL file
        const used = aslPlaceholders(readFileSync(file, 'utf8'))
          .map((name) => STEP_FUNCTIONS.find((s) => s.arnVariable === name))
          .filter((s) => s !== undefined)
          .map((s) => `<${fnId(s.id)}.Arn>`);
        // THEN the machine role's lambda:InvokeFunction lists exactly those, unqualified
        const defaultPolicy = plane.stateMachines[id as 'Deployment'].role.node.findChild('DefaultPolicy');
        const policyId = stack.getLogicalId(defaultPolicy.node.defaultChild as never);
        const invoke = statements.filter(
          (s) => s.actions.includes('lambda:InvokeFunction') && s.policy === policyId,
        );
        expect(invoke).toHaveLength(1);
        expect(invoke[0]!.resources.sort()).toEqual([...new Set(used)].sort());
      },
    );

    it('lets a parent start, describe and stop only its child machine, plus the .sync managed rule', () => {
      // THEN Deployment → Wave and Wave → Batch, by name; Batch starts nothing
      const start = statements.filter(
        (s) => s.actions.includes('states:StartExecution') && s.policy.includes('StateMachine'),
      );
      expect(start.flatMap((s) => s.resources).sort()).toEqual([
        `arn:<AWS::Partition>:states:${REGION}:${HOME_ACCOUNT}:stateMachine:breakwater-Batch`,
        `arn:<AWS::Partition>:states:${REGION}:${HOME_ACCOUNT}:stateMachine:breakwater-Wave`,
      ]);
      const sync = statements.filter((s) => s.actions.includes('events:PutRule'));
      expect(sync).toHaveLength(2);
      for (const s of sync) {
        expect(s.actions.sort()).toEqual(['events:DescribeRule', 'events:PutRule', 'events:PutTargets']);
        expect(s.resources).toEqual([
          `arn:<AWS::Partition>:events:${REGION}:${HOME_ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`,
        ]);
      }
    });
  });

  describe('IAM', () => {
    it('grants no wildcard action anywhere', () => {
      // THEN no Allow statement has an action containing `*`
      const wild = statements.filter((s) => s.effect === 'Allow' && s.actions.some((a) => a.includes('*')));
      expect(wild).toEqual([]);
    });

    it('uses wildcard resources only where documented', () => {
      // GIVEN the documented wildcard resources and the only actions allowed on each
      const allowed: [RegExp, RegExp][] = [
        [
          /^\*$/,
          /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|cloudwatch:GetMetricData|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))$/,
        ],
        [/^<ControlPlaneTable[0-9A-F]{8}\.Arn>\/index\/\*$/, /^dynamodb:/],
        [
          new RegExp(`^arn:<AWS::Partition>:lambda:${REGION}:${HOME_ACCOUNT}:function:\\*$`),
          /^lambda:(GetAlias|UpdateAlias|GetFunctionConfiguration|PublishVersion|UpdateFunctionCode)$/,
        ],
        [
          new RegExp(`^arn:<AWS::Partition>:cloudwatch:${REGION}:${HOME_ACCOUNT}:alarm:\\*$`),
          /^cloudwatch:DescribeAlarms$/,
        ],
        [
          new RegExp(
            `^arn:<AWS::Partition>:states:${REGION}:${HOME_ACCOUNT}:execution:breakwater-(Wave|Batch|Deployment):\\*$`,
          ),
          /^states:(DescribeExecution|StopExecution)$/,
        ],
      ];
      // THEN every wildcard resource of an Allow statement is one of them, with allowed actions only
      for (const s of statements.filter((x) => x.effect === 'Allow')) {
        for (const resource of s.resources.filter((r) => r.includes('*'))) {
          const rule = allowed.find(([pattern]) => pattern.test(resource));
          expect(rule, `${s.policy}: ${resource}`).toBeDefined();
          for (const action of s.actions) expect(action, `${s.policy}: ${resource}`).toMatch(rule![1]);
        }
      }
    });

    it('denies the function-name wildcard any write to the control plane functions', () => {
      // THEN each role with lambda:UpdateAlias on function:* also carries a Deny on Breakwater's own functions
      const denies = statements.filter(
        (s) => s.effect === 'Deny' && s.actions.includes('lambda:UpdateAlias'),
      );
      expect(denies).toHaveLength(3);
      for (const d of denies) expect(d.resources).toContain(`<${fnId('RollBack')}.Arn>`);
    });
  });

  describe('API', () => {
    it('requires AWS_IAM on every method except the GitHub webhook', () => {
      // THEN ANY / and ANY /{proxy+} use IAM; POST /webhooks/github is open (HMAC in the handler)
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
      const byAuth = methods.map((m) => [m.Properties.HttpMethod, m.Properties.AuthorizationType]);
      expect(byAuth.sort()).toEqual([
        ['ANY', 'AWS_IAM'],
        ['ANY', 'AWS_IAM'],
        ['POST', 'NONE'],
      ]);
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        AuthorizationType: 'NONE',
        RequestParameters: {
          'method.request.header.X-Hub-Signature-256': true,
          'method.request.header.X-GitHub-Event': true,
        },
        RequestValidatorId: Match.anyValue(),
      });
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'github' });
    });

    it('logs access, traces and throttles the stage, and tells handlers the body limit', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'v1',
        AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
        TracingEnabled: true,
        MethodSettings: [
          Match.objectLike({ LoggingLevel: 'ERROR', ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }),
        ],
      });
      const api = template.findResources('AWS::Lambda::Function')[fnId('Api')];
      expect(api!.Properties.Environment.Variables.MAX_BODY_BYTES).toBe('1048576');
    });
  });

  describe('EventBridge', () => {
    it('sends CodeCommit referenceUpdated events to the CodeCommit handler', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.codecommit'],
          'detail-type': ['CodeCommit Repository State Change'],
          detail: { event: ['referenceUpdated'] },
        },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('CodeCommit'), 'Arn'] } })],
      });
    });

    it('sends CloudWatch alarm state changes to the alarm watcher', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('AlarmState'), 'Arn'] } })],
      });
    });

    it('rolls back a Deployment execution that was aborted or timed out, keyed by the execution name', () => {
      // THEN the rule matches the Deployment machine only and transforms the event into RollBack input
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: {
            status: ['ABORTED', 'TIMED_OUT'],
            stateMachineArn: [{ Ref: logicalIdOf(stack, plane, 'DeploymentStateMachine') }],
          },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [fnId('RollBack'), 'Arn'] },
            DeadLetterConfig: Match.anyValue(),
            InputTransformer: {
              InputPathsMap: { 'detail-name': '$.detail.name', 'detail-status': '$.detail.status' },
              InputTemplate: Match.stringLikeRegexp(
                '^\\{"deploymentId":<detail-name>,"scope":"deployment","error":\\{"Error":"ExecutionAborted","Cause":".*<detail-status>.*"\\}\\}$',
              ),
            },
          }),
        ],
      });
    });
  });

  describe('alarms', () => {
    it('watches failed executions, Lambda errors and throttles, table throttles and the rollback DLQ', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      const metricNames = alarms.map((a) => a.Properties.MetricName ?? 'math');
      expect(metricNames.filter((m) => m === 'ExecutionsFailed')).toHaveLength(3);
      expect(metricNames.filter((m) => m === 'Errors')).toHaveLength(STEP_FUNCTIONS.length + 4);
      expect(metricNames.filter((m) => m === 'Throttles')).toHaveLength(STEP_FUNCTIONS.length + 4);
      expect(metricNames).toContain('ApproximateNumberOfMessagesVisible');
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ReadThrottleEvents' }) }),
          }),
        ]),
      });
    });
  });

  describe('grants', () => {
    it('grantStartDeployment allows states:StartExecution on the Deployment machine only', () => {
      // GIVEN a CI role granted start and read
      let ci: iam.Role | undefined;
      const {
        stack: s,
        plane: p,
        template: t,
      } = buildControlPlane(
        { handlers: {} },
        {
          before: (scope, built) => {
            ci = new iam.Role(scope, 'Ci', { assumedBy: new iam.AccountPrincipal(HOME_ACCOUNT) });
            built.grantStartDeployment(ci);
            built.grantRead(ci);
          },
        },
      );
      // THEN it may start the Deployment machine only, and read (not write) the table
      const ciStatements = identityStatements(t).filter((x) => x.policy.startsWith('CiDefaultPolicy'));
      expect(ciStatements.find((x) => x.actions.includes('states:StartExecution'))?.resources).toEqual([
        `<${logicalIdOf(s, p, 'DeploymentStateMachine')}>`,
      ]);
      expect(
        ciStatements.some(
          (x) => x.actions.includes('dynamodb:Query') && !x.actions.includes('dynamodb:PutItem'),
        ),
      ).toBe(true);
      // AND without an API handler there is no API to grant
      expect(p.api).toBeUndefined();
      expect(() => p.grantInvokeApi(ci!)).toThrow(/expected an API, got none/);
    });
  });
});
