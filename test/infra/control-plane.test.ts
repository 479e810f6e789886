import { readFileSync } from 'node:fs';
import { aws_iam as iam, type Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { aslPlaceholders } from '../../infra/constructs/asl.js';
import {
  ALARM_WATCHER,
  type BreakwaterControlPlane,
  DEPLOYMENT_STATE_CHANGE,
  EVENT_SOURCE,
  TARGET_CALLER_STEPS,
  TARGET_CALLERS,
  targetCallerRoleArns,
} from '../../infra/constructs/index.js';
import { GSI1, GSI1_PK, GSI1_SK, PK, SK, TTL_ATTRIBUTE } from '../../src/adapters/aws/table.js';
import { ALARM_STATE_CHANGE_PATTERN } from '../../src/ports/alarm-events.js';
import { STATE_MACHINES, STEP_FUNCTIONS } from '../../src/ports/step-catalog.js';
import {
  ALL_HANDLERS,
  buildControlPlane,
  childOf,
  HOME_ACCOUNT,
  identityStatements,
  logicalIdOf,
  logicalIdOfConstruct,
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
  const consoleBucketId = () => logicalIdOf(stack, plane, 'ConsoleBucket');
  /** The logical id of a handler role's default policy, e.g. `GithubWebhookRole`. */
  const defaultPolicyOf = (role: string) =>
    logicalIdOfConstruct(stack, childOf(plane, role).node.findChild('DefaultPolicy'));
  const deploymentExecutions = `arn:<AWS::Partition>:states:${REGION}:${HOME_ACCOUNT}:execution:breakwater-Deployment:*`;

  beforeAll(() => {
    // GIVEN a control plane with one target account and every API/trigger handler
    // WHEN it is synthesized (once for the whole file)
    ({ stack, plane, template } = buildControlPlane({
      targetAccounts: [TARGET_ACCOUNT],
      handlers: ALL_HANDLERS,
      organisationAlarms: ['org-sev1-{target.region}', 'org-freeze'],
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
    it('gives every step the organisation-wide blocker alarms it is configured with', () => {
      // THEN the gate and target checks can read them (ORGANISATION_ALARMS, comma-separated)
      for (const step of STEP_FUNCTIONS) {
        const env =
          template.findResources('AWS::Lambda::Function')[fnId(step.id)]!.Properties.Environment.Variables;
        expect(env.ORGANISATION_ALARMS).toBe('org-sev1-{target.region},org-freeze');
      }
    });

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

    it('lets only the Lambdas that reach targets (steps and the alarm watcher) assume the target role, and only in the target accounts', () => {
      // THEN sts:AssumeRole names exactly the configured account's breakwater-target role, once per caller
      const assume = statements.filter((s) => s.actions.includes('sts:AssumeRole'));
      expect(TARGET_CALLERS).toEqual([...TARGET_CALLER_STEPS, ALARM_WATCHER]);
      expect(assume.map((s) => s.resources)).toEqual(
        TARGET_CALLERS.map(() => [`arn:<AWS::Partition>:iam::${TARGET_ACCOUNT}:role/breakwater-target`]),
      );
      expect(new Set(assume.map((s) => s.policy)).size).toBe(TARGET_CALLERS.length);
      expect(plane.targetCallerRoles).toHaveLength(TARGET_CALLERS.length);
    });

    it('lets each step and the alarm watcher publish only Breakwater events to the default bus', () => {
      // THEN events:PutEvents is scoped to the default bus and the `breakwater` source
      const put = statements.filter((s) => s.actions.includes('events:PutEvents'));
      expect(put).toHaveLength(STEP_FUNCTIONS.length + 1);
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
        const policyId = logicalIdOfConstruct(stack, defaultPolicy);
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
    it("grants no wildcard action, except CDK's BucketDeployment handler on the buckets it copies between", () => {
      // THEN no Allow statement has an action containing `*`, but for aws-cdk-lib's S3 grants to
      // the dashboard copier (acknowledged one by one in cdk-nag)
      const wild = statements.filter((s) => s.effect === 'Allow' && s.actions.some((a) => a.includes('*')));
      const copier = wild.filter((s) => s.policy.startsWith('CustomCDKBucketDeployment'));
      expect(wild.filter((s) => !copier.includes(s))).toEqual([]);
      expect(copier).toHaveLength(2);
      for (const s of copier) {
        for (const action of s.actions.filter((a) => a.includes('*'))) {
          expect(action).toMatch(/^s3:(GetObject|GetBucket|List|DeleteObject|Abort)\*$/);
        }
        for (const resource of s.resources) {
          expect(resource).toMatch(
            new RegExp(
              `^(arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${HOME_ACCOUNT}-${REGION}|<${consoleBucketId()}\\.Arn>)(/\\*)?$`,
            ),
          );
        }
      }
    });

    it('uses wildcard resources only where documented', () => {
      // GIVEN the documented wildcard resources and the only actions allowed on each
      const allowed: [RegExp, RegExp][] = [
        [
          /^\*$/,
          /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|cloudwatch:GetMetricData|cloudfront:(CreateInvalidation|GetInvalidation)|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))$/,
        ],
        [/^<ControlPlaneTable[0-9A-F]{8}\.Arn>\/index\/\*$/, /^dynamodb:/],
        // CDK's BucketDeployment handler: the dashboard files, the zipped asset, the invalidation.
        [/^<ControlPlaneConsoleBucket[0-9A-F]{8}\.Arn>\/\*$/, /^s3:/],
        [
          new RegExp(`^arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${HOME_ACCOUNT}-${REGION}/\\*$`),
          /^s3:(GetObject\*|GetBucket\*|List\*)$/,
        ],
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
            `^arn:<AWS::Partition>:states:${REGION}:${HOME_ACCOUNT}:execution:breakwater-(Wave|Batch|Deployment|ReleaseRollback):\\*$`,
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
      // THEN each role with lambda:UpdateAlias on function:* (ShiftWeight, RollBack,
      // RollBackRelease and the alarm watcher) also carries a Deny on Breakwater's own functions,
      // steps and handlers
      const denies = statements.filter(
        (s) => s.effect === 'Deny' && s.actions.includes('lambda:UpdateAlias'),
      );
      expect(denies).toHaveLength(4);
      for (const d of denies) {
        for (const id of ['RollBack', 'RollBackRelease', 'AlarmState', 'Api', 'GithubWebhook']) {
          expect(d.resources).toContain(`<${fnId(id)}.Arn>`);
          expect(d.resources).toContain(`<${fnId(id)}.Arn>:*`);
        }
      }
    });
  });

  describe('API', () => {
    it('requires AWS_IAM on every method except the GitHub webhook', () => {
      // THEN ANY / and ANY /{proxy+} use IAM; POST /webhooks/github is open (HMAC in the handler)
      const apiId = logicalIdOf(stack, plane, 'Api');
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
        (m) => m.Properties.RestApiId.Ref === apiId,
      );
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

    it('passes every body to the handlers base64-encoded, so the webhook HMAC sees the exact bytes', () => {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'] });
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

  describe('GitHub webhook secret', () => {
    it('is generated by Secrets Manager and reaches the webhook Lambda as an ARN, never as a value', () => {
      // THEN one generated secret; the webhook gets GITHUB_WEBHOOK_SECRET_ARN, nobody gets the value
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
      });
      const secretId = logicalIdOf(stack, plane, 'GithubWebhookSecret');
      const functions = template.findResources('AWS::Lambda::Function');
      expect(
        functions[fnId('GithubWebhook')]!.Properties.Environment.Variables.GITHUB_WEBHOOK_SECRET_ARN,
      ).toEqual({
        Ref: secretId,
      });
      for (const [id, fn] of Object.entries(functions)) {
        const variables = fn.Properties.Environment?.Variables ?? {};
        expect(variables.GITHUB_WEBHOOK_SECRET, id).toBeUndefined();
        if (id !== fnId('GithubWebhook')) expect(JSON.stringify(variables), id).not.toContain(secretId);
      }
      expect(JSON.stringify(template.toJSON())).not.toContain('{{resolve:secretsmanager');
      template.hasOutput('*', { Value: { Ref: secretId } });
    });

    it('is readable by the webhook role only, with GetSecretValue only', () => {
      // THEN the only statement naming the secret (or any secretsmanager action) is the webhook's
      const secretId = logicalIdOf(stack, plane, 'GithubWebhookSecret');
      const touching = statements.filter(
        (s) =>
          s.resources.some((r) => r.includes(secretId)) ||
          s.actions.some((a) => a.startsWith('secretsmanager:')),
      );
      expect(touching.map((s) => [s.policy, s.effect, s.actions, s.resources])).toEqual([
        [defaultPolicyOf('GithubWebhookRole'), 'Allow', ['secretsmanager:GetSecretValue'], [`<${secretId}>`]],
      ]);
      template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    });
  });

  describe('starting deployments', () => {
    const statesGrants = (role: string) =>
      statements
        .filter((s) => s.policy === defaultPolicyOf(role) && s.actions.some((a) => a.startsWith('states:')))
        .map((s) => ({ actions: [...s.actions].sort(), resources: s.resources }));

    it.each([['GithubWebhookRole'], ['CodeCommitRole']])(
      '%s may start the Deployment machine and describe its executions, nothing more',
      (role) => {
        // THEN StartExecution on the machine, DescribeExecution on its executions (redelivery)
        expect(statesGrants(role)).toEqual([
          {
            actions: ['states:StartExecution'],
            resources: [`<${logicalIdOf(stack, plane, 'DeploymentStateMachine')}>`],
          },
          { actions: ['states:DescribeExecution'], resources: [deploymentExecutions] },
        ]);
      },
    );

    it('lets the API start, describe and stop Deployment executions, and start and describe ReleaseRollback ones, only', () => {
      expect(statesGrants('ApiRole')).toEqual([
        {
          actions: ['states:StartExecution'],
          resources: [`<${logicalIdOf(stack, plane, 'DeploymentStateMachine')}>`],
        },
        {
          actions: ['states:StartExecution'],
          resources: [`<${logicalIdOf(stack, plane, 'ReleaseRollbackStateMachine')}>`],
        },
        { actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [deploymentExecutions] },
        // to restart a release rollback whose execution ended before the rollback did
        {
          actions: ['states:DescribeExecution'],
          resources: [
            `arn:<AWS::Partition>:states:${REGION}:${HOME_ACCOUNT}:execution:breakwater-ReleaseRollback:*`,
          ],
        },
      ]);
    });

    it('gives the alarm watcher no Step Functions access', () => {
      expect(statesGrants('AlarmStateRole')).toEqual([]);
    });
  });

  describe('hosted console', () => {
    it('keeps the dashboard in a private, encrypted, versioned, SSL-only, logged bucket that is retained', () => {
      const logBucketId = logicalIdOf(stack, plane, 'ConsoleLogBucket');
      const blockAll = {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      };
      const sse = {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      };
      const buckets = template.findResources('AWS::S3::Bucket');
      expect(Object.keys(buckets).sort()).toEqual([consoleBucketId(), logBucketId].sort());
      expect(buckets[consoleBucketId()]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BucketEncryption: sse,
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: blockAll,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LoggingConfiguration: {
            DestinationBucketName: { Ref: logBucketId },
            LogFilePrefix: 'console-bucket/',
          },
        },
      });
      // AND the log bucket: retained, private, encrypted, expiring with the log retention
      expect(buckets[logBucketId]).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          BucketEncryption: sse,
          PublicAccessBlockConfiguration: blockAll,
          LifecycleConfiguration: {
            Rules: [expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' })],
          },
        },
      });
      // AND both bucket policies deny plain HTTP
      for (const id of [consoleBucketId(), logBucketId]) {
        template.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: id },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('serves it through CloudFront with Origin Access Control, HTTPS only, index.html and security headers', () => {
      const distributionId = logicalIdOf(stack, plane, 'ConsoleDistribution');
      const [oacId, oac] = Object.entries(template.findResources('AWS::CloudFront::OriginAccessControl'))[0]!;
      expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
      const config = template.findResources('AWS::CloudFront::Distribution')[distributionId]!.Properties
        .DistributionConfig;
      expect(config).toMatchObject({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: {
          ViewerProtocolPolicy: 'https-only',
          AllowedMethods: ['GET', 'HEAD'],
          ResponseHeadersPolicyId: { Ref: logicalIdOf(stack, plane, 'ConsoleHeaders') },
        },
        Origins: [
          {
            DomainName: { 'Fn::GetAtt': [consoleBucketId(), 'RegionalDomainName'] },
            OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
            S3OriginConfig: { OriginAccessIdentity: '' },
          },
        ],
        Logging: {
          Bucket: { 'Fn::GetAtt': [logicalIdOf(stack, plane, 'ConsoleLogBucket'), 'RegionalDomainName'] },
        },
      });
      // AND only this distribution may read the bucket
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: consoleBucketId() },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 's3:GetObject',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
            }),
          ]),
        },
      });
      // AND the headers: CSP that lets the page call the API origin, HSTS, nosniff, DENY framing
      const headers = template.findResources('AWS::CloudFront::ResponseHeadersPolicy')[
        logicalIdOf(stack, plane, 'ConsoleHeaders')
      ]!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      const csp = render(headers.ContentSecurityPolicy.ContentSecurityPolicy);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain(
        `connect-src 'self' https://<${logicalIdOf(stack, plane, 'ConsoleApi')}>.execute-api.${REGION}.<AWS::URLSuffix> ` +
          `https://<${logicalIdOfConstruct(stack, plane.console!.userPoolDomain)}>.auth.${REGION}.amazoncognito.com;`,
      );
      expect(headers).toMatchObject({
        StrictTransportSecurity: {
          AccessControlMaxAgeSec: 31_536_000,
          IncludeSubdomains: true,
          Override: true,
        },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      });
    });

    it('uploads web/ and a config.json naming the console API and sign-in, then invalidates the distribution', () => {
      const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
      expect(deployment!.Properties).toMatchObject({
        DestinationBucketName: { Ref: consoleBucketId() },
        DistributionId: { Ref: logicalIdOf(stack, plane, 'ConsoleDistribution') },
        DistributionPaths: ['/*'],
        Prune: true,
      });
      // Two sources: the web/ folder, and config.json whose markers are filled with the API URL
      expect(deployment!.Properties.SourceObjectKeys).toHaveLength(2);
      const markers = Object.values(deployment!.Properties.SourceMarkers[1]).map(render);
      expect(markers).toEqual(
        expect.arrayContaining([
          `<${logicalIdOf(stack, plane, 'ConsoleApi')}>`,
          `<${logicalIdOfConstruct(stack, plane.console!.userPoolClient)}>`,
          `<${logicalIdOfConstruct(stack, plane.console!.userPoolDomain)}>`,
        ]),
      );
      expect(markers).not.toContain(`<${logicalIdOf(stack, plane, 'Api')}>`);
      // AND the stack outputs where the dashboard is
      const outputs = Object.entries(template.findOutputs('*'));
      const consoleUrl = outputs.find(([key]) => key.includes('ConsoleUrl'))?.[1];
      expect(render(consoleUrl?.Value)).toBe(
        `https://<${logicalIdOf(stack, plane, 'ConsoleDistribution')}.DomainName>/`,
      );
      expect(plane.console?.distribution).toBeDefined();
    });
  });

  describe('EventBridge', () => {
    it('sends CodeCommit branch creations and updates (not tags) to the CodeCommit handler', () => {
      const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
        (r) => r.Properties.EventPattern.source?.[0] === 'aws.codecommit',
      );
      expect(rules).toHaveLength(1);
      expect(rules[0]!.Properties.EventPattern).toEqual({
        source: ['aws.codecommit'],
        'detail-type': ['CodeCommit Repository State Change'],
        detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'] },
      });
      expect(rules[0]!.Properties.Targets).toEqual([
        expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId('CodeCommit'), 'Arn'] } }),
      ]);
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

  describe('alarm watcher', () => {
    const watcherRole = () => logicalIdOf(stack, plane, 'AlarmStateRole');
    const watcherQueue = () => logicalIdOf(stack, plane, 'AlarmEventDeadLetterQueue');
    const bus = `arn:<AWS::Partition>:events:${REGION}:${HOME_ACCOUNT}:event-bus/default`;

    it('receives alarms entering ALARM (exactly ALARM_STATE_CHANGE_PATTERN), retried for 24 h into a dead-letter queue', () => {
      // THEN one rule with the shared pattern, no account filter, targets the watcher with a retry policy and a DLQ
      template.hasResourceProperties('AWS::Events::Rule', {
        Description: Match.stringLikeRegexp(
          '^Rolls back the Breakwater deployments watching a CloudWatch alarm',
        ),
        EventPattern: Match.exact(ALARM_STATE_CHANGE_PATTERN),
        Targets: [
          {
            Id: 'Target0',
            Arn: { 'Fn::GetAtt': [fnId('AlarmState'), 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [watcherQueue(), 'Arn'] } },
          },
        ],
      });
      // AND a failed asynchronous invocation (after Lambda's own retries) lands in the same queue
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [watcherRole(), 'Arn'] },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [watcherQueue(), 'Arn'] } },
      });
      expect(plane.alarmEventDeadLetterQueue).toBeDefined();
    });

    it("runs with the steps' environment (what lambdaDeps reads), not the API triggers'", () => {
      // THEN the watcher has the table, home account, target role template, bus and organisation alarms
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [watcherRole(), 'Arn'] },
        Runtime: 'nodejs22.x',
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: {
            TABLE_NAME: { Ref: logicalIdOf(stack, plane, 'Table') },
            HOME_ACCOUNT_ID: HOME_ACCOUNT,
            TARGET_ROLE_ARN_TEMPLATE: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::{account}:role/breakwater-target']],
            },
            POWERTOOLS_SERVICE_NAME: 'breakwater',
            NODE_OPTIONS: '--enable-source-maps',
            EVENT_BUS_NAME: 'default',
            EVENT_SOURCE,
            ORGANISATION_ALARMS: 'org-sev1-{target.region},org-freeze',
          },
        },
      });
      // AND it is exactly the environment a step gets
      const functions = template.findResources('AWS::Lambda::Function');
      expect(functions[fnId('AlarmState')]!.Properties.Environment).toEqual(
        functions[fnId('RollBack')]!.Properties.Environment,
      );
    });

    it('has a role with a fixed name, which targetCallerRoleArns gives target accounts to trust', () => {
      // THEN the role is `<name>-AlarmState-<region>`, assumed by Lambda
      template.hasResourceProperties('AWS::IAM::Role', {
        RoleName: `breakwater-AlarmState-${REGION}`,
        AssumeRolePolicyDocument: {
          Statement: [
            { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
          ],
        },
      });
      expect(targetCallerRoleArns(HOME_ACCOUNT, REGION)).toContain(
        `arn:aws:iam::${HOME_ACCOUNT}:role/breakwater-AlarmState-${REGION}`,
      );
      expect(plane.targetCallerRoles).toContain(plane.handlerFunctions.alarmState?.role);
    });

    it('may shift aliases back on target functions, read alarms and assume the target role, nothing more in targets', () => {
      // THEN its target access policy: GetAlias/UpdateAlias, DescribeAlarms, sts:AssumeRole
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: watcherRole() }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Allow',
              Action: ['lambda:GetAlias', 'lambda:UpdateAlias'],
              Resource: {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, `:lambda:${REGION}:${HOME_ACCOUNT}:function:*`],
                ],
              },
            },
            {
              Effect: 'Allow',
              Action: 'cloudwatch:DescribeAlarms',
              Resource: {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:${REGION}:${HOME_ACCOUNT}:alarm:*`],
                ],
              },
            },
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Resource: {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, `:iam::${TARGET_ACCOUNT}:role/breakwater-target`],
                ],
              },
            },
          ]),
        },
      });
      // AND no other target action: no version publishing, no metric reads; a Deny keeps it off Breakwater's own functions
      const own = statements.filter((s) => s.policy === logicalIdOf(stack, plane, 'AlarmStateTargetAccess'));
      expect(
        own
          .filter((s) => s.effect === 'Allow')
          .flatMap((s) => s.actions)
          .sort(),
      ).toEqual(['cloudwatch:DescribeAlarms', 'lambda:GetAlias', 'lambda:UpdateAlias', 'sts:AssumeRole']);
      expect(own.filter((s) => s.effect === 'Deny').map((s) => s.actions)).toEqual([['lambda:UpdateAlias']]);
    });

    it('may read and write the table and publish Breakwater events, like the RollBack step', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: watcherRole() }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: Match.arrayWith(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
            }),
            {
              Effect: 'Allow',
              Action: 'events:PutEvents',
              Resource: {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, `:events:${REGION}:${HOME_ACCOUNT}:event-bus/default`],
                ],
              },
              Condition: { StringEquals: { 'events:source': EVENT_SOURCE } },
            },
          ]),
        },
      });
    });

    it('lets a target account put alarm state changes, and nothing else, on the default bus', () => {
      // THEN one statement on the default bus: PutEvents from the target account, for aws.cloudwatch alarm state changes only
      template.resourceCountIs('AWS::Events::EventBusPolicy', 1);
      template.hasResourceProperties('AWS::Events::EventBusPolicy', {
        EventBusName: 'default',
        StatementId: 'breakwater-alarm-events',
        Statement: {
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Principal: {
            AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${TARGET_ACCOUNT}:root`]] },
          },
          Resource: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, `:events:${REGION}:${HOME_ACCOUNT}:event-bus/default`],
            ],
          },
          Condition: {
            'ForAllValues:StringEquals': { 'events:source': ALARM_STATE_CHANGE_PATTERN.source },
            StringEquals: { 'events:detail-type': ALARM_STATE_CHANGE_PATTERN['detail-type'][0] },
          },
        },
      });
      expect(render(stack.resolve(plane.eventBusArn))).toBe(bus);
    });

    it('alarms on the first message in its dead-letter queue', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [watcherQueue(), 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmDescription: Match.stringLikeRegexp('alarm watcher'),
      });
    });
  });

  describe('alarms', () => {
    it('watches failed executions, Lambda errors and throttles, table throttles and the rollback DLQ', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      const metricNames = alarms.map((a) => a.Properties.MetricName ?? 'math');
      expect(metricNames.filter((m) => m === 'ExecutionsFailed')).toHaveLength(STATE_MACHINES.length);
      expect(metricNames.filter((m) => m === 'Errors')).toHaveLength(STEP_FUNCTIONS.length + 4);
      expect(metricNames.filter((m) => m === 'Throttles')).toHaveLength(STEP_FUNCTIONS.length + 4);
      // the rollback DLQ and the alarm watcher's DLQ
      expect(metricNames.filter((m) => m === 'ApproximateNumberOfMessagesVisible')).toHaveLength(2);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ReadThrottleEvents' }) }),
          }),
        ]),
      });
    });
  });

  describe('dashboard', () => {
    /** The dashboard body as text, with CloudFormation references rendered as `{ref}`. */
    const dashboardBody = () => {
      const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
      const parts = dashboard?.Properties.DashboardBody['Fn::Join'][1] as unknown[];
      return parts.map((p) => (typeof p === 'string' ? p : '{ref}')).join('');
    };

    it('is named after the control plane and shows its own health: failed executions, Lambda errors and throttles, DLQ depth, table throttles', () => {
      // GIVEN every handler  WHEN synthesised  THEN one dashboard
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardName: 'breakwater-control-plane',
      });
      const body = dashboardBody();
      for (const title of [
        'Failed executions',
        'Lambda errors',
        'Lambda throttles',
        'Dead-letter queue depth',
        'Table throttles',
      ]) {
        expect(body).toContain(`"title":"${title}"`);
      }
      // one failed-executions line per state machine, errors and throttles per Lambda
      expect(body.match(/"ExecutionsFailed"/g)).toHaveLength(STATE_MACHINES.length);
      expect(body.match(/"AWS\/Lambda","Errors"/g)).toHaveLength(STEP_FUNCTIONS.length + 4);
      expect(body.match(/"AWS\/Lambda","Throttles"/g)).toHaveLength(STEP_FUNCTIONS.length + 4);
      expect(body).toContain('"label":"Rollback DLQ"');
      expect(body).toContain('"label":"AlarmEvent DLQ"');
      expect(body).toContain('"ReadThrottleEvents"');
      expect(body).toContain('"WriteThrottleEvents"');
    });

    it('charts the workflow metrics: deployments started, succeeded and rolled back, ALARM to traffic off p50 and p99, lead time, bake verdicts', () => {
      const body = dashboardBody();
      for (const name of ['DeploymentsStarted', 'DeploymentsSucceeded', 'DeploymentsRolledBack']) {
        expect(body).toContain(
          `SUM(SEARCH('{Breakwater,${name === 'DeploymentsRolledBack' ? 'outcome,' : ''}pipeline,service} MetricName=\\"${name}\\"', 'Sum', 3600))`,
        );
      }
      expect(body).toContain(
        `SEARCH('{Breakwater,pipeline,service} MetricName=\\"AlarmToTrafficOffSeconds\\"', 'p50', 3600)`,
      );
      expect(body).toContain(
        `SEARCH('{Breakwater,pipeline,service} MetricName=\\"AlarmToTrafficOffSeconds\\"', 'p99', 3600)`,
      );
      expect(body).toContain('MetricName=\\"LeadTimeSeconds\\"');
      expect(body).toContain(
        `SEARCH('{Breakwater,pipeline,service,verdict} MetricName=\\"BakeVerdicts\\"', 'Sum', 3600)`,
      );
    });

    it('charts release rollbacks: started and completed (all pipelines), and request to last target back p50 and p99', () => {
      const body = dashboardBody();
      expect(body).toContain('"title":"Release rollbacks (all pipelines)"');
      expect(body).toContain(
        `SUM(SEARCH('{Breakwater,mode,pipeline,service} MetricName=\\"ReleaseRollbacksStarted\\"', 'Sum', 3600))`,
      );
      expect(body).toContain(
        `SUM(SEARCH('{Breakwater,mode,outcome,pipeline,service} MetricName=\\"ReleaseRollbacksCompleted\\"', 'Sum', 3600))`,
      );
      for (const statistic of ['p50', 'p99']) {
        expect(body).toContain(
          `SEARCH('{Breakwater,mode,pipeline,service} MetricName=\\"ReleaseRollbackSeconds\\"', '${statistic}', 3600)`,
        );
      }
    });

    it('exposes its metric factories, and names the machines it has when asked for one it does not', () => {
      const metric = plane.monitoringMetrics.executionsFailed('Deployment');
      expect(metric.metricName).toBe('ExecutionsFailed');
      expect(() => plane.monitoringMetrics.executionsFailed('Nope')).toThrow(
        /no state machine "Nope": expected one of .*Deployment/,
      );
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
      // AND without an API handler there is no API to grant, no console and no webhook secret
      expect(p.api).toBeUndefined();
      expect(p.console).toBeUndefined();
      expect(p.githubWebhookSecret).toBeUndefined();
      t.resourceCountIs('AWS::S3::Bucket', 0);
      t.resourceCountIs('AWS::SecretsManager::Secret', 0);
      expect(() => p.grantInvokeApi(ci!)).toThrow(/expected an API, got none/);
    });
  });

  describe('alarm events from other accounts', () => {
    it('accepts them from the whole organisation when organisationId is given', () => {
      // GIVEN an organisation id beside the target accounts
      const { template: t } = buildControlPlane({
        targetAccounts: [TARGET_ACCOUNT, '333333333333'],
        organisationId: 'o-a1b2c3d4e5',
        handlers: { alarmState: ALL_HANDLERS.alarmState },
      });
      // THEN the statement names any principal of the organisation instead of the accounts
      t.hasResourceProperties('AWS::Events::EventBusPolicy', {
        Statement: {
          Principal: { AWS: '*' },
          Condition: {
            StringEquals: {
              'aws:PrincipalOrgID': 'o-a1b2c3d4e5',
              'events:detail-type': 'CloudWatch Alarm State Change',
            },
            'ForAllValues:StringEquals': { 'events:source': ['aws.cloudwatch'] },
          },
        },
      });
    });

    it('lists every target account when there is no organisation', () => {
      const { template: t } = buildControlPlane({
        targetAccounts: [TARGET_ACCOUNT, '333333333333'],
        handlers: { alarmState: ALL_HANDLERS.alarmState },
      });
      const root = (account: string) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]],
      });
      t.hasResourceProperties('AWS::Events::EventBusPolicy', {
        Statement: { Principal: { AWS: [root(TARGET_ACCOUNT), root('333333333333')] } },
      });
    });

    it('opens the bus to nobody without other accounts, or without the alarm watcher', () => {
      // GIVEN targets in this account only; THEN no bus policy, but the rule still reaches the watcher
      const local = buildControlPlane({ handlers: { alarmState: ALL_HANDLERS.alarmState } });
      local.template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
      expect(local.plane.alarmEventsBusPolicy).toBeUndefined();
      local.template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.exact(ALARM_STATE_CHANGE_PATTERN),
        Targets: [Match.objectLike({ Arn: Match.anyValue() })],
      });
      // GIVEN another account but no alarm watcher; THEN no bus policy and no dead-letter queue either
      const noWatcher = buildControlPlane({ targetAccounts: [TARGET_ACCOUNT], handlers: {} });
      noWatcher.template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
      expect(noWatcher.plane.alarmEventDeadLetterQueue).toBeUndefined();
      expect(noWatcher.plane.targetCallerRoles).toHaveLength(TARGET_CALLER_STEPS.length);
    });
  });

  describe('console: false', () => {
    it('builds the API and the webhook secret but no bucket, distribution or upload', () => {
      // GIVEN every handler and console: false
      const { plane: p, template: t } = buildControlPlane({ handlers: ALL_HANDLERS, console: false });
      // THEN nothing of the hosted dashboard exists
      expect(p.api).toBeDefined();
      expect(p.console).toBeUndefined();
      t.resourceCountIs('AWS::S3::Bucket', 0);
      t.resourceCountIs('AWS::CloudFront::Distribution', 0);
      t.resourceCountIs('Custom::CDKBucketDeployment', 0);
      t.resourceCountIs('AWS::SecretsManager::Secret', 1);
    });
  });
});

describe('BreakwaterControlPlane hook permissions', () => {
  it('lets only the RunHooks step invoke functions, and only the hook ARNs it is given', () => {
    // Arrange
    const hook = `arn:aws:lambda:${REGION}:${HOME_ACCOUNT}:function:smoke-test`;

    // Act
    const { template } = buildControlPlane({ targetAccounts: [TARGET_ACCOUNT], hookFunctionArns: [hook] });
    // (the state machines' own roles invoke the step Lambdas: not hooks)
    const hookInvokes = (t: Template) =>
      identityStatements(t).filter(
        (s) => s.actions.includes('lambda:InvokeFunction') && !s.policy.includes('StateMachineRole'),
      );
    const invokes = hookInvokes(template);
    const { template: without } = buildControlPlane({ targetAccounts: [TARGET_ACCOUNT] });

    // Assess
    expect(invokes).toHaveLength(1);
    expect(invokes[0]!.policy).toMatch(/RunHooks/);
    expect(invokes[0]!.resources.sort()).toEqual([hook, `${hook}:*`].sort());
    expect(hookInvokes(without)).toEqual([]);
    // ...and it may reach target accounts (their target role says which hooks)
    const assume = identityStatements(without).filter(
      (s) => s.policy.includes('RunHooks') && s.actions.includes('sts:AssumeRole'),
    );
    expect(assume).toHaveLength(1);
  });
});
