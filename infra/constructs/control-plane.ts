import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  Arn,
  ArnFormat,
  Aws,
  aws_apigateway as apigateway,
  CfnOutput,
  aws_cloudfront as cloudfront,
  aws_cloudfront_origins as cloudfrontOrigins,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  aws_cognito as cognito,
  Duration,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_lambda_nodejs as nodejs,
  RemovalPolicy,
  Stack,
  aws_s3 as s3,
  aws_s3_deployment as s3deploy,
  aws_secretsmanager as secretsmanager,
  aws_stepfunctions as sfn,
  type aws_sns as sns,
  aws_sqs as sqs,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { lambdaTimeoutOf } from '../../functions/lib/step-timeouts.js';
import { GSI1, GSI1_PK, GSI1_SK, PK, SK, TTL_ATTRIBUTE } from '../../src/adapters/aws/table.js';
import { API_BINARY_MEDIA_TYPES } from '../../src/api/binary-media-types.js';
import { CODECOMMIT_REFERENCE_PATTERN } from '../../src/api/codecommit.js';
import { ALARM_STATE_CHANGE_PATTERN } from '../../src/ports/alarm-events.js';
import { DEPLOYMENT_EVENT_SOURCE } from '../../src/ports/events.js';
import { STATE_MACHINES, STEP_FUNCTIONS, type StepFunctionId } from '../../src/ports/step-catalog.js';
import { aslPlaceholders, loadAslDefinition } from './asl.js';
import { BUNDLING, PROJECT_ROOT, prebuiltBundle } from './bundling.js';
import { buildControlPlaneDashboard, ControlPlaneMetrics } from './monitoring.js';
import { render as nagRender, nagResource } from './nag.js';
import { ACCOUNT_ID, FUNCTION_NAME, ORGANISATION_ID, REGION, ROLE_NAME, Validator } from './validation.js';

/** The construct id of a handler kind's Lambda: `githubWebhook` → `GithubWebhook`. */
const handlerId = (kind: keyof ControlPlaneHandlerEntries) => `${kind[0]!.toUpperCase()}${kind.slice(1)}`;

/** The source of Breakwater's own events on EventBridge (see docs/deploy.md). */
export const EVENT_SOURCE = DEPLOYMENT_EVENT_SOURCE;
/** The detail-type of a deployment's state change published by Breakwater. */
export const DEPLOYMENT_STATE_CHANGE = 'Breakwater Deployment State Change';

/** Entry files of the API and trigger Lambdas, relative to the project root. */
export interface ControlPlaneHandlerEntries {
  /** The API Gateway handler (every route except the GitHub webhook). @default 'functions/api/router.ts' if it exists */
  readonly api?: string;
  /** The GitHub webhook handler, HMAC-verified. @default 'functions/triggers/github-webhook.ts' if it exists */
  readonly githubWebhook?: string;
  /** The CodeCommit referenceUpdated handler. @default 'functions/triggers/codecommit.ts' if it exists */
  readonly codeCommit?: string;
  /**
   * The alarm watcher: target of the alarm state change rule; rolls back every deployment
   * watching an alarm that entered ALARM. @default 'functions/triggers/alarm-state.ts' if it exists
   */
  readonly alarmState?: string;
}

/** Where each API/trigger handler lives by convention. */
export const DEFAULT_HANDLER_ENTRIES: Required<ControlPlaneHandlerEntries> = {
  api: 'functions/api/router.ts',
  githubWebhook: 'functions/triggers/github-webhook.ts',
  codeCommit: 'functions/triggers/codecommit.ts',
  alarmState: 'functions/triggers/alarm-state.ts',
};

/** The entries Breakwater ships (steps and handlers): the ones `npm run build` prebuilds. */
const DEFAULT_ENTRIES: ReadonlySet<string> = new Set([
  ...STEP_FUNCTIONS.map((step) => step.entry),
  ...Object.values(DEFAULT_HANDLER_ENTRIES),
]);

/**
 * The default handler entries that exist now, as source or as a prebuilt bundle; missing handlers
 * are skipped, never stubbed.
 */
export function discoverHandlerEntries(projectRoot: string = PROJECT_ROOT): ControlPlaneHandlerEntries {
  const found: { -readonly [K in keyof ControlPlaneHandlerEntries]: string } = {};
  for (const [kind, entry] of Object.entries(DEFAULT_HANDLER_ENTRIES) as [
    keyof ControlPlaneHandlerEntries,
    string,
  ][]) {
    const bundled = prebuiltBundle(handlerId(kind), join(projectRoot, 'lambda')) !== undefined;
    if (bundled || existsSync(join(projectRoot, entry))) found[kind] = entry;
  }
  return found;
}

export interface BreakwaterControlPlaneProps {
  /**
   * Prefix of the physical names that must be known in advance: the state machines
   * (`<name>-Deployment`, `<name>-Wave`, `<name>-Batch`) and the step Lambdas' roles
   * (`<name>-<StepId>-<region>`), which target accounts trust by ARN.
   * @default 'breakwater'
   */
  readonly name?: string;
  /**
   * Accounts that hold deployment targets other than this one. The step Lambdas and the alarm
   * watcher may assume `arn:aws:iam::<account>:role/<targetRoleName>` in each, and nothing else;
   * the default event bus accepts their alarm state changes (see `organisationId`).
   * @default [] (targets only in this account)
   */
  readonly targetAccounts?: readonly string[];
  /**
   * An AWS Organizations id (`o-…`). When given, the default event bus accepts alarm state change
   * events from every account of the organisation instead of from `targetAccounts` only (a new
   * target account then needs no change to the control plane's bus policy).
   * @default undefined (the bus accepts alarm events from `targetAccounts`)
   */
  readonly organisationId?: string;
  /**
   * Regions of the targets in this account; Lambda and CloudWatch permissions are scoped to them.
   * @default [the stack's region]
   */
  readonly targetRegions?: readonly string[];
  /**
   * Names of the Lambda functions in this account that pipelines may deploy. When given, the
   * step Lambdas may touch only these (and their versions and aliases); when not, any function
   * of this account in `targetRegions`, except the control plane's own (explicit Deny).
   * @default undefined (any function name, acknowledged in cdk-nag with the reason)
   */
  readonly targetFunctionNames?: readonly string[];
  /**
   * Organisation-wide blocker alarms, read before every wave and target of every pipeline starts
   * (in each target's account and region), beside each pipeline's own blocker alarms. Names may
   * use the alarm placeholders, e.g. `org-sev1-{target.region}`.
   * @default [] (none)
   */
  readonly organisationAlarms?: readonly string[];
  /**
   * Deployment hook functions in this (the control plane's) account that pipelines name by ARN:
   * the RunHooks step may invoke these (and their versions and aliases) and no other function
   * here. Hooks named by function name run in the target's account through its
   * BreakwaterTargetRole (see its `hookFunctions`).
   * @default [] (none)
   */
  readonly hookFunctionArns?: readonly string[];
  /**
   * Name of the role in each target account (see BreakwaterTargetRole).
   * @default 'breakwater-target'
   */
  readonly targetRoleName?: string;
  /**
   * Retention of every log group (Lambda, state machines, API access logs), in days; one of
   * the values CloudWatch Logs accepts.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * What happens to the table and the dashboard's buckets (site and access logs) when they leave
   * the stack. CloudFormation cannot delete a non-empty bucket even with DESTROY.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The state machines' log level. ALL records every state transition (what ran, with what
   * input, when) — the record an operator needs after a rollback; ERROR records failures only.
   * @default sfn.LogLevel.ALL
   */
  readonly stateMachineLogLevel?: sfn.LogLevel;
  /**
   * API and trigger handler entries (relative to the project root, or absolute). A kind left out
   * is not built: no Lambda, no route, no rule target. A default entry uses the package's
   * prebuilt bundle when installed; an entry of your own (absolute) is bundled from source.
   * @default discoverHandlerEntries() — the conventional files that exist on disk
   */
  readonly handlers?: ControlPlaneHandlerEntries;
  /**
   * Largest request body the API handlers accept, passed to them as MAX_BODY_BYTES. API Gateway's
   * own limit (10 MB) cannot be lowered; the handlers enforce this one.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxRequestBodyBytes?: number;
  /** Steady-state requests per second of the API stage. @default 20 */
  readonly apiThrottlingRateLimit?: number;
  /** Burst of the API stage. @default 40 */
  readonly apiThrottlingBurstLimit?: number;
  /**
   * Create the account-level role API Gateway needs to write logs (one per account and region).
   * Turn off when the account already has one.
   * @default true
   */
  readonly apiCloudWatchRole?: boolean;
  /** Where the control plane's own alarms notify. @default no action (alarms visible in the console) */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Memory of each Lambda. The steps wait on AWS calls, not on CPU.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Host the dashboard (`web/`) in a private S3 bucket behind CloudFront. People sign in with a
   * Cognito user pool (Hosted UI, authorization code with PKCE); the dashboard calls a console
   * API, the API handler behind a Cognito authorizer, which records the signed-in person on
   * every command. Its `config.json` names that API and the sign-in settings. Built only when
   * the API handler exists (see docs/deploy.md, "Hosted dashboard").
   * @default true
   */
  readonly console?: boolean;
  /**
   * The prefix of the console's Cognito Hosted UI domain
   * (`https://<prefix>.auth.<region>.amazoncognito.com`): unique in the region, lower-case
   * letters, digits and "-", without "aws", "amazon" or "cognito".
   * @default `${name}-${account}`
   */
  readonly consoleDomainPrefix?: string;
}

/** The hosted dashboard: its bucket, the bucket its access logs go to, and the distribution. */
export interface BreakwaterConsole {
  /** Holds `web/` and `config.json`; private, read by CloudFront through Origin Access Control. */
  readonly bucket: s3.Bucket;
  /** S3 server access logs of `bucket` and CloudFront standard logs. */
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly deployment: s3deploy.BucketDeployment;
  /** The people who may sign in to the dashboard (created by an administrator; no self sign-up). */
  readonly userPool: cognito.UserPool;
  /** The dashboard's app client: public (no secret), authorization code with PKCE. */
  readonly userPoolClient: cognito.UserPoolClient;
  /** The Hosted UI domain the dashboard sends people to. */
  readonly userPoolDomain: cognito.UserPoolDomain;
  /** The API the dashboard calls: the same handler as `api`, behind a Cognito authorizer. */
  readonly api: apigateway.RestApi;
}

type TargetAccess = {
  /** Lambda actions on target functions. */
  readonly lambda?: readonly string[];
  /** cloudwatch:DescribeAlarms on target alarms. */
  readonly alarms?: boolean;
  /** cloudwatch:GetMetricData (bake data-point counts). */
  readonly metrics?: boolean;
  /**
   * Only sts:AssumeRole into target accounts: what it may do there is the target role's to say
   * (hook functions are invoked through BreakwaterTargetRole's `hookFunctions`).
   */
  readonly assumeOnly?: boolean;
};

/** The id of the alarm watcher among the roles that reach into target accounts. */
export const ALARM_WATCHER = 'AlarmState';

/** A Lambda that reaches into target accounts: a workflow step, or the alarm watcher. */
export type TargetCallerId = StepFunctionId | typeof ALARM_WATCHER;

/** What each caller calls besides the table and the event bus (see src/workflow/*). */
const TARGET_ACCESS: Readonly<Record<TargetCallerId, TargetAccess>> = {
  StartDeployment: {},
  // Reads the blocker alarms of the wave's targets before the wave starts.
  CheckWaveGate: { alarms: true, metrics: true },
  StartWave: {},
  // Reads the blocker alarms of a batch's targets (one call per region) before they start, then
  // takes each alias lock and publishes or resolves the new version.
  PrepareTarget: {
    alarms: true,
    lambda: [
      'lambda:GetAlias',
      'lambda:GetFunctionConfiguration',
      'lambda:PublishVersion',
      'lambda:UpdateFunctionCode',
    ],
  },
  // The one-box and every rolling weight, on a whole batch.
  ShiftWeight: { lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'] },
  // Every bake and health check: alarms on each safety poll, data points when they can matter.
  WaitForBake: { alarms: true, metrics: true },
  RollBack: { lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'] },
  // Takes a succeeded release back: the same alias reads and writes as RollBack.
  RollBackRelease: { lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'] },
  RecordProgress: {},
  // Invokes the pipeline's hook functions: in target accounts through the target role (its
  // hookFunctions), in this account only those of the hookFunctionArns prop.
  RunHooks: { assumeOnly: true },
  // Rolls deployments back through the RollBack step's service (aliases back to the previous
  // version) and re-reads an alarm whose event is older than the watch (stale event).
  [ALARM_WATCHER]: { lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'], alarms: true },
};

const reachesTargets = (id: TargetCallerId) => {
  const access = TARGET_ACCESS[id];
  return (
    access.lambda !== undefined ||
    access.alarms === true ||
    access.metrics === true ||
    access.assumeOnly === true
  );
};

/** The steps that reach into target accounts (beside the alarm watcher, see TARGET_CALLERS). */
export const TARGET_CALLER_STEPS: readonly StepFunctionId[] = STEP_FUNCTIONS.map((s) => s.id).filter(
  reachesTargets,
);

/**
 * Every Lambda that reaches into target accounts, and so the roles a BreakwaterTargetRole trusts:
 * the steps of TARGET_CALLER_STEPS and the alarm watcher.
 */
export const TARGET_CALLERS: readonly TargetCallerId[] = [...TARGET_CALLER_STEPS, ALARM_WATCHER];

type MachineId = (typeof STATE_MACHINES)[number]['id'];

/**
 * The role name of a Lambda that reaches into target accounts (a step or the alarm watcher):
 * `<name>-<id>-<region>`, fixed so that target accounts can trust it before it exists.
 */
export function targetCallerRoleName(name: string, callerId: TargetCallerId, region: string): string {
  return `${name}-${callerId}-${region}`;
}

/** The role name of a step Lambda; fixed so that target accounts can trust it before it exists. */
export function stepRoleName(name: string, stepId: StepFunctionId, region: string): string {
  return targetCallerRoleName(name, stepId, region);
}

/**
 * The ARNs of the roles a target account must trust (TARGET_CALLERS: the steps that reach targets
 * and the alarm watcher), for a control plane deployed to `account`/`region` with `name`.
 *
 * @example new BreakwaterTargetRole(stack, 'Target', { controlPlaneRoleArns: targetCallerRoleArns('111111111111', 'eu-west-1'), ... })
 */
export function targetCallerRoleArns(
  account: string,
  region: string,
  name = 'breakwater',
  partition = 'aws',
): string[] {
  return TARGET_CALLERS.map(
    (id) => `arn:${partition}:iam::${account}:role/${targetCallerRoleName(name, id, region)}`,
  );
}

/**
 * The ARN of the control plane's default event bus, where BreakwaterAlarmForwarder sends the alarm
 * state changes of target accounts and regions.
 *
 * @example new BreakwaterAlarmForwarder(stack, 'AlarmForwarder', { controlPlaneEventBusArn: controlPlaneEventBusArn('111111111111', 'eu-west-1') })
 */
export function controlPlaneEventBusArn(account: string, region: string, partition = 'aws'): string {
  return `arn:${partition}:events:${region}:${account}:event-bus/default`;
}

/**
 * ALARM_STATE_CHANGE_PATTERN (src/ports/alarm-events.ts, the pattern the embedded bus also uses)
 * in CDK's EventPattern shape (`detail-type` is `detailType`).
 */
export function alarmStateChangeEventPattern(): events.EventPattern {
  const { source, 'detail-type': detailType, detail } = ALARM_STATE_CHANGE_PATTERN;
  return { source: [...source], detailType: [...detailType], detail: structuredClone(detail) };
}

/**
 * CODECOMMIT_REFERENCE_PATTERN (src/api/codecommit.ts, the pattern the local
 * `POST /triggers/codecommit` also matches) in CDK's EventPattern shape.
 */
export function codeCommitReferenceEventPattern(): events.EventPattern {
  const { source, 'detail-type': detailType, detail } = CODECOMMIT_REFERENCE_PATTERN;
  return { source: [...source], detailType: [...detailType], detail: structuredClone(detail) };
}

const DEFAULT_NAME = 'breakwater';
const NAME = /^[a-z][a-z0-9-]{0,19}$/;
/** Cognito domain prefixes: lower-case letters, digits and "-", never "aws", "amazon" or "cognito". */
const DOMAIN_PREFIX = /^(?!.*(?:aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_API_BODY = 10 * 1024 * 1024;

/**
 * Breakwater's control plane in one account and region: the table, one Lambda per workflow
 * step, the Deployment/Wave/Batch state machines built from `statemachines/*.asl.json`, the REST
 * API and triggers for the handlers that exist, and alarms on the control plane itself.
 *
 * @example
 * ```ts
 * const plane = new BreakwaterControlPlane(stack, 'ControlPlane', { targetAccounts: ['222222222222'] });
 * plane.grantStartDeployment(ciRole);
 * ```
 */
export class BreakwaterControlPlane extends Construct {
  /** The single table (see src/adapters/aws/table.ts). */
  readonly table: dynamodb.Table;
  /** One function per workflow step, by catalog id. */
  readonly stepFunctions: Readonly<Record<StepFunctionId, lambda.Function>>;
  /** The three state machines, by catalog id. */
  readonly stateMachines: Readonly<Record<MachineId, sfn.StateMachine>>;
  /** The machine a deployment starts in; the execution name is the deployment id. */
  readonly deploymentStateMachine: sfn.StateMachine;
  /** The REST API; undefined when neither the API handler nor the webhook handler exists. */
  readonly api?: apigateway.RestApi;
  /** The API and trigger Lambdas that were built. */
  readonly handlerFunctions: Readonly<Partial<Record<keyof ControlPlaneHandlerEntries, lambda.Function>>>;
  /**
   * The HMAC secret shared with GitHub (generated); only the webhook Lambda may read it, by the
   * ARN in its GITHUB_WEBHOOK_SECRET_ARN. Undefined when the webhook handler does not exist.
   */
  readonly githubWebhookSecret?: secretsmanager.Secret;
  /** The hosted dashboard; undefined when `console` is false or there is no API handler. */
  readonly console?: BreakwaterConsole;
  /** Receives the console-stop rollbacks EventBridge could not deliver. */
  readonly rollbackDeadLetterQueue: sqs.Queue;
  /**
   * Receives the alarm state changes the alarm watcher could not be given (EventBridge) or could
   * not handle (Lambda's asynchronous retries exhausted). Undefined without the alarm watcher.
   */
  readonly alarmEventDeadLetterQueue?: sqs.Queue;
  /**
   * The ARN of this account and region's default event bus: the alarm watcher's rule listens on
   * it, and BreakwaterAlarmForwarder sends target accounts' and regions' alarm events to it.
   */
  readonly eventBusArn: string;
  /**
   * The default bus's policy statement that lets target accounts (or the organisation) put their
   * alarm state changes on it. Undefined without the alarm watcher or without other accounts.
   */
  readonly alarmEventsBusPolicy?: events.CfnEventBusPolicy;
  /** The control plane's own alarms. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The metrics the alarms and the dashboard are built on (reuse them for your own alarms). */
  readonly monitoringMetrics: ControlPlaneMetrics;
  /** The CloudWatch dashboard `<name>-control-plane`: the control plane's health and what it deployed. */
  readonly dashboard: cloudwatch.Dashboard;
  /**
   * The roles of the Lambdas that reach into target accounts (what BreakwaterTargetRole trusts):
   * the steps of TARGET_CALLER_STEPS and, when it is built, the alarm watcher.
   */
  readonly targetCallerRoles: readonly iam.Role[];

  readonly #name: string;
  readonly #logRetention: logs.RetentionDays;
  readonly #memorySize: number;
  readonly #baseEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: BreakwaterControlPlaneProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const check = new Validator('BreakwaterControlPlane');
    this.#name = props.name ?? DEFAULT_NAME;
    check.pattern(
      'name',
      this.#name,
      NAME,
      'lower-case letters, digits and "-", starting with a letter, at most 20 characters',
    );
    if (props.consoleDomainPrefix !== undefined) {
      check.pattern(
        'consoleDomainPrefix',
        props.consoleDomainPrefix,
        DOMAIN_PREFIX,
        'lower-case letters, digits and "-" (at most 63), without "aws", "amazon" or "cognito"',
      );
    }
    const targetAccounts = props.targetAccounts ?? [];
    check.each('targetAccounts', targetAccounts, ACCOUNT_ID, 'a 12-digit AWS account id');
    check.unique('targetAccounts', targetAccounts);
    const targetRegions = props.targetRegions ?? [stack.region];
    check.nonEmpty('targetRegions', targetRegions);
    check.each('targetRegions', targetRegions, REGION, 'an AWS region name such as "eu-west-1"');
    check.unique('targetRegions', targetRegions);
    if (props.targetFunctionNames !== undefined) {
      check.nonEmpty('targetFunctionNames', props.targetFunctionNames);
      check.each(
        'targetFunctionNames',
        props.targetFunctionNames,
        FUNCTION_NAME,
        'a Lambda function name (1-64 of a-z A-Z 0-9 - _)',
      );
    }
    if (props.organisationId !== undefined) {
      check.pattern(
        'organisationId',
        props.organisationId,
        ORGANISATION_ID,
        'an AWS Organizations id such as "o-a1b2c3d4e5"',
      );
    }
    const targetRoleName = props.targetRoleName ?? 'breakwater-target';
    check.pattern('targetRoleName', targetRoleName, ROLE_NAME, 'an IAM role name without a path');
    const retentionDays = props.logRetentionDays ?? 30;
    check.logRetention('logRetentionDays', retentionDays);
    this.#logRetention = retentionDays as logs.RetentionDays;
    const maxBody = props.maxRequestBodyBytes ?? 1_048_576;
    check.integerInRange('maxRequestBodyBytes', maxBody, 1, MAX_API_BODY);
    this.#memorySize = props.memorySize ?? 256;
    check.integerInRange('memorySize', this.#memorySize, 128, 10_240);
    const rate = props.apiThrottlingRateLimit ?? 20;
    const burst = props.apiThrottlingBurstLimit ?? 40;
    check.integerInRange('apiThrottlingRateLimit', rate, 1, 10_000);
    check.integerInRange('apiThrottlingBurstLimit', burst, 1, 5_000);
    const handlers = props.handlers ?? discoverHandlerEntries();

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = this.#createTable(removalPolicy);
    this.#baseEnvironment = {
      TABLE_NAME: this.table.tableName,
      HOME_ACCOUNT_ID: stack.account,
      TARGET_ROLE_ARN_TEMPLATE: `arn:${stack.partition}:iam::{account}:role/${targetRoleName}`,
      POWERTOOLS_SERVICE_NAME: 'breakwater',
      // Stack traces point into the TypeScript sources (the bundles ship their source maps).
      NODE_OPTIONS: '--enable-source-maps',
      EVENT_BUS_NAME: 'default',
      EVENT_SOURCE,
      ...(props.organisationAlarms && props.organisationAlarms.length > 0
        ? { ORGANISATION_ALARMS: props.organisationAlarms.join(',') }
        : {}),
    };

    // Steps ------------------------------------------------------------------------------------
    const stepFunctions = {} as Record<StepFunctionId, lambda.Function>;
    const callerRoles: iam.Role[] = [];
    for (const step of STEP_FUNCTIONS) {
      const role = new iam.Role(this, `${step.id}Role`, {
        roleName: stepRoleName(this.#name, step.id, stack.region),
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Breakwater ${step.id} step`,
      });
      const fn = this.#createFunction(step.id, step.entry, role, {});
      this.table.grantReadWriteData(fn);
      this.#grantPublishEvents(role);
      stepFunctions[step.id] = fn;
      if (TARGET_CALLER_STEPS.includes(step.id)) callerRoles.push(role);
      // Hooks in this account, named by ARN in pipelines: invoke those and nothing else.
      if (step.id === 'RunHooks' && props.hookFunctionArns && props.hookFunctionArns.length > 0) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['lambda:InvokeFunction'],
            resources: props.hookFunctionArns.flatMap((arn) => [arn, `${arn}:*`]),
          }),
        );
      }
    }
    this.stepFunctions = stepFunctions;

    // State machines: children first, each named so its parent can refer to it by a built ARN.
    const machineNames = Object.fromEntries(
      STATE_MACHINES.map((m) => [m.id, `${this.#name}-${m.id}`]),
    ) as Record<MachineId, string>;
    const machineArn = (id: MachineId) =>
      stack.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: machineNames[id],
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const substitutions: Record<string, string> = {};
    for (const step of STEP_FUNCTIONS) substitutions[step.arnVariable] = stepFunctions[step.id].functionArn;
    for (const machine of STATE_MACHINES) substitutions[machine.arnVariable] = machineArn(machine.id);

    const machines = {} as Record<MachineId, sfn.StateMachine>;
    for (const machine of [...STATE_MACHINES].reverse()) {
      machines[machine.id] = this.#createStateMachine(
        machine,
        machineNames,
        substitutions,
        machineArn,
        props.stateMachineLogLevel,
      );
    }
    this.stateMachines = machines;
    this.deploymentStateMachine = machines.Deployment;

    // Stopping a deployment from the console (or its timing out) skips the ASL's Catch: this rule
    // still rolls it back (DESIGN rule 3). The execution name is the deployment id.
    this.rollbackDeadLetterQueue = new sqs.Queue(this, 'RollbackDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    Validations.of(this.rollbackDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the console-stop rollback rule; an alarm fires on its first message.',
    });
    new events.Rule(this, 'DeploymentStoppedRule', {
      description:
        'Rolls back a Breakwater deployment whose execution was stopped or timed out outside the workflow.',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['ABORTED', 'TIMED_OUT'], stateMachineArn: [machines.Deployment.stateMachineArn] },
      },
      targets: [
        new eventsTargets.LambdaFunction(stepFunctions.RollBack, {
          deadLetterQueue: this.rollbackDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
          event: events.RuleTargetInput.fromObject({
            deploymentId: events.EventField.fromPath('$.detail.name'),
            scope: 'deployment',
            error: {
              Error: 'ExecutionAborted',
              Cause: `The deployment execution ended with status ${events.EventField.fromPath('$.detail.status')} outside the workflow (StopExecution or execution timeout).`,
            },
          }),
        }),
      ],
    });

    // API and triggers ---------------------------------------------------------------------------
    const handlerFunctions: Partial<Record<keyof ControlPlaneHandlerEntries, lambda.Function>> = {};
    const triggerEnvironment = {
      DEPLOYMENT_STATE_MACHINE_ARN: machines.Deployment.stateMachineArn,
      RELEASE_ROLLBACK_STATE_MACHINE_ARN: machines.ReleaseRollback.stateMachineArn,
      MAX_BODY_BYTES: String(maxBody),
    };
    if (handlers.alarmState !== undefined) {
      this.alarmEventDeadLetterQueue = new sqs.Queue(this, 'AlarmEventDeadLetterQueue', {
        retentionPeriod: Duration.days(14),
        enforceSSL: true,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
      });
      Validations.of(this.alarmEventDeadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter queue of the alarm watcher (its rule target and its asynchronous invocations); an alarm fires on its first message.',
      });
    }
    for (const kind of Object.keys(DEFAULT_HANDLER_ENTRIES) as (keyof ControlPlaneHandlerEntries)[]) {
      const entry = handlers[kind];
      if (entry === undefined) continue;
      const id = handlerId(kind);
      if (kind === 'alarmState') {
        // The alarm watcher runs the RollBack step's service: the steps' environment, and a role
        // with a fixed name (like the steps') that target accounts trust.
        const role = new iam.Role(this, `${id}Role`, {
          roleName: targetCallerRoleName(this.#name, ALARM_WATCHER, stack.region),
          assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
          description:
            'Breakwater alarm watcher: rolls back deployments watching an alarm that entered ALARM',
        });
        // Lambda retries a failed asynchronous invocation twice, then hands the event to the queue.
        handlerFunctions[kind] = this.#createFunction(id, entry, role, {}, this.alarmEventDeadLetterQueue);
        continue;
      }
      const role = new iam.Role(this, `${id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      handlerFunctions[kind] = this.#createFunction(id, entry, role, triggerEnvironment);
    }
    this.handlerFunctions = handlerFunctions;
    const watcher = handlerFunctions.alarmState;
    if (watcher) {
      this.table.grantReadWriteData(watcher);
      this.#grantPublishEvents(watcher.role as iam.Role);
      callerRoles.push(watcher.role as iam.Role);
    }
    this.targetCallerRoles = callerRoles;
    const callers: [TargetCallerId, lambda.Function][] = TARGET_CALLER_STEPS.map((id) => [
      id,
      stepFunctions[id],
    ]);
    if (watcher) callers.push([ALARM_WATCHER, watcher]);
    for (const [callerId, fn] of callers) {
      this.#grantTargetAccess(callerId, fn, {
        targetAccounts,
        targetRegions,
        targetFunctionNames: props.targetFunctionNames,
        targetRoleName,
      });
    }
    // Executions of the Deployment machine, named by deployment id. The starter describes an
    // existing one when a start is redelivered (StepFunctionsWorkflowStarter).
    const deploymentExecutions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${machineNames.Deployment}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const deploymentExecutionsFinding = `AwsSolutions-IAM5[Resource::${nagResource(stack, deploymentExecutions)}]`;
    if (handlerFunctions.api) {
      this.table.grantReadWriteData(handlerFunctions.api);
      machines.Deployment.grantStartExecution(handlerFunctions.api);
      // POST /deployments/{id}/rollback of a succeeded release.
      machines.ReleaseRollback.grantStartExecution(handlerFunctions.api);
      handlerFunctions.api.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [deploymentExecutions],
        }),
      );
      Validations.of(handlerFunctions.api.role!).acknowledge({
        id: deploymentExecutionsFinding,
        reason:
          'The API describes and cancels deployments: executions of the Deployment state machine, whose names (the deployment ids) are generated per deployment.',
      });
      // Asked again, the API reads the last ReleaseRollback execution to restart one that ended.
      const releaseRollbackExecutions = stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${machineNames.ReleaseRollback}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      handlerFunctions.api.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution'],
          resources: [releaseRollbackExecutions],
        }),
      );
      Validations.of(handlerFunctions.api.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(stack, releaseRollbackExecutions)}]`,
        reason:
          'The API reads (DescribeExecution only) the ReleaseRollback executions of a deployment to restart one that ended before the rollback did; their names are the deployment ids, generated per deployment.',
      });
    }
    for (const starter of [handlerFunctions.githubWebhook, handlerFunctions.codeCommit]) {
      if (!starter) continue;
      this.table.grantReadData(starter);
      machines.Deployment.grantStartExecution(starter);
      starter.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [deploymentExecutions] }),
      );
      Validations.of(starter.role!).acknowledge({
        id: deploymentExecutionsFinding,
        reason:
          'A redelivered trigger reads the execution it already started (DescribeExecution only) to tell a duplicate from a conflict; execution names are the deployment ids, generated per deployment.',
      });
    }
    if (handlerFunctions.githubWebhook) {
      this.githubWebhookSecret = this.#createWebhookSecret(handlerFunctions.githubWebhook);
    }

    if (handlerFunctions.api || handlerFunctions.githubWebhook) {
      this.api = this.#createApi(handlerFunctions, rate, burst, props.apiCloudWatchRole ?? true);
    }
    if (this.api && handlerFunctions.api && (props.console ?? true)) {
      this.console = this.#createConsole(handlerFunctions.api, {
        removalPolicy,
        rate,
        burst,
        domainPrefix: props.consoleDomainPrefix ?? `${this.#name}-${stack.account}`,
      });
    }

    // The logical id predates referenceCreated; kept so that existing stacks update the rule in place.
    new events.Rule(this, 'CodeCommitReferenceUpdatedRule', {
      description: 'Starts Breakwater deployments from CodeCommit pushes (branch created or updated).',
      eventPattern: codeCommitReferenceEventPattern(),
      targets: handlerFunctions.codeCommit
        ? [new eventsTargets.LambdaFunction(handlerFunctions.codeCommit, { retryAttempts: 8 })]
        : [],
    });
    // Alarms of this account and region arrive on the default bus directly; those of target
    // accounts and other regions through a BreakwaterAlarmForwarder there (docs/deploy.md). The
    // pattern has no account filter, so it matches both.
    this.eventBusArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
    new events.Rule(this, 'AlarmStateChangeRule', {
      description:
        'Rolls back the Breakwater deployments watching a CloudWatch alarm (metric or composite) that entered ALARM, in any target account and region.',
      eventPattern: alarmStateChangeEventPattern(),
      targets: watcher
        ? [
            new eventsTargets.LambdaFunction(watcher, {
              deadLetterQueue: this.alarmEventDeadLetterQueue,
              retryAttempts: 185,
              maxEventAge: Duration.hours(24),
            }),
          ]
        : [],
    });
    if (watcher && (props.organisationId !== undefined || targetAccounts.length > 0)) {
      this.alarmEventsBusPolicy = this.#acceptAlarmEvents(targetAccounts, props.organisationId);
    }

    this.monitoringMetrics = new ControlPlaneMetrics({
      stateMachines: this.stateMachines,
      functions: Object.fromEntries(
        [...Object.entries(this.stepFunctions), ...Object.entries(this.handlerFunctions)].flatMap(
          ([id, fn]) => (fn ? [[id[0]!.toUpperCase() + id.slice(1), fn] as const] : []),
        ),
      ),
      table: this.table,
      deadLetterQueues: {
        Rollback: this.rollbackDeadLetterQueue,
        ...(this.alarmEventDeadLetterQueue ? { AlarmEvent: this.alarmEventDeadLetterQueue } : {}),
      },
    });
    this.alarms = this.#createAlarms(this.monitoringMetrics, props.alarmTopic);
    this.dashboard = buildControlPlaneDashboard(
      this,
      'Dashboard',
      this.monitoringMetrics,
      `${this.#name}-control-plane`,
    );
    this.#acknowledgeStackWide();
  }

  /** Allows `grantee` to start deployments (states:StartExecution on the Deployment machine). */
  grantStartDeployment(grantee: iam.IGrantable): iam.Grant {
    return this.deploymentStateMachine.grantStartExecution(grantee);
  }

  /** Allows `grantee` to read the table (pipelines, deployments, timelines). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadData(grantee);
  }

  /**
   * Allows `grantee` to call the IAM-authorized API routes (execute-api:Invoke on the stage).
   * @throws when the API was not built because no API handler exists.
   */
  grantInvokeApi(grantee: iam.IGrantable): iam.Grant {
    if (!this.api) {
      throw new Error(
        `BreakwaterControlPlane: grantInvokeApi: expected an API, got none (no handler at "${DEFAULT_HANDLER_ENTRIES.api}" or "${DEFAULT_HANDLER_ENTRIES.githubWebhook}")`,
      );
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.api.arnForExecuteApi()],
    });
  }

  #createTable(removalPolicy: RemovalPolicy): dynamodb.Table {
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PK, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SK, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The AWS managed key (aws/dynamodb): encrypted at rest with KMS and auditable in
      // CloudTrail, without a key policy to manage or kms:*-wildcard grants on every role.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: GSI1,
      partitionKey: { name: GSI1_PK, type: dynamodb.AttributeType.STRING },
      sortKey: { name: GSI1_SK, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    return table;
  }

  #createFunction(
    id: string,
    entry: string,
    role: iam.Role,
    extraEnvironment: Record<string, string>,
    deadLetterQueue?: sqs.IQueue,
  ): lambda.Function {
    const timeoutSeconds = lambdaTimeoutOf(id);
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: this.#logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const options = {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: this.#memorySize,
      // Above the handlers' own waits and below the ASL's Task TimeoutSeconds, so Step Functions
      // never retries a step while its first attempt still runs (functions/lib/step-timeouts.ts).
      timeout: Duration.seconds(timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      environment: { ...this.#baseEnvironment, ...extraEnvironment },
      ...(deadLetterQueue ? { deadLetterQueue } : {}),
    };
    // The installed package ships every default entry prebuilt (same BUNDLING, by `npm run build`);
    // a clone, or an entry of your own, is bundled from source.
    const prebuilt = DEFAULT_ENTRIES.has(entry) ? prebuiltBundle(id) : undefined;
    if (prebuilt !== undefined) {
      return new lambda.Function(this, `${id}Function`, {
        ...options,
        code: lambda.Code.fromAsset(prebuilt),
        handler: 'index.handler',
      });
    }
    const fn = new nodejs.NodejsFunction(this, `${id}Function`, {
      ...options,
      entry: isAbsolute(entry) ? entry : join(PROJECT_ROOT, entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: BUNDLING,
    });
    return fn;
  }

  #grantPublishEvents(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [
          Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
        ],
        conditions: { StringEquals: { 'events:source': EVENT_SOURCE } },
      }),
    );
  }

  /**
   * Lets the target accounts (or the organisation) put their alarm state changes on this default
   * bus: EventBridge delivers a CloudWatch event only to the default bus of the alarm's own account
   * and region, and their BreakwaterAlarmForwarder sends it on here. Only that source and
   * detail-type are accepted, so another account can never put a `breakwater` event (or anything
   * else) on the bus. The condition keys are those of AWS's example policy "Send events to a custom
   * bus in a different account" (EventBridge user guide, eb-event-bus-example-policy-cross-account-
   * custom-bus-source); `events:source` is multi-valued there, hence ForAllValues.
   */
  #acceptAlarmEvents(
    targetAccounts: readonly string[],
    organisationId: string | undefined,
  ): events.CfnEventBusPolicy {
    const source = ALARM_STATE_CHANGE_PATTERN.source[0];
    const detailType = ALARM_STATE_CHANGE_PATTERN['detail-type'][0];
    const principals =
      organisationId !== undefined
        ? [new iam.OrganizationPrincipal(organisationId)]
        : targetAccounts.map((account) => new iam.AccountPrincipal(account));
    const statement = new iam.PolicyStatement({
      principals,
      actions: ['events:PutEvents'],
      resources: [this.eventBusArn],
      conditions: {
        'ForAllValues:StringEquals': { 'events:source': [source] },
        StringEquals: { 'events:detail-type': detailType },
      },
    });
    // The L1: aws-cdk-lib 2.276's EventBusPolicy passes the PolicyStatement object through unrendered.
    return new events.CfnEventBusPolicy(this, 'AlarmEventsBusPolicy', {
      eventBusName: 'default',
      statementId: `${this.#name}-alarm-events`,
      statement: statement.toStatementJson(),
    });
  }

  #grantTargetAccess(
    callerId: TargetCallerId,
    fn: lambda.Function,
    scope: {
      targetAccounts: readonly string[];
      targetRegions: readonly string[];
      targetFunctionNames: readonly string[] | undefined;
      targetRoleName: string;
    },
  ): void {
    if (!reachesTargets(callerId)) return;
    const access = TARGET_ACCESS[callerId];
    const stack = Stack.of(this);
    const statements: iam.PolicyStatement[] = [];
    const acks: { id: string; reason: string }[] = [];
    const lambdaArn = (region: string, resourceName: string) =>
      stack.formatArn({
        service: 'lambda',
        region,
        resource: 'function',
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });

    if (access.lambda !== undefined) {
      if (scope.targetFunctionNames !== undefined) {
        const resources = scope.targetRegions.flatMap((region) =>
          scope.targetFunctionNames!.flatMap((name) => [
            lambdaArn(region, name),
            lambdaArn(region, `${name}:*`),
          ]),
        );
        statements.push(new iam.PolicyStatement({ actions: [...access.lambda], resources }));
        for (const resource of resources.filter((r) => r.endsWith(':*'))) {
          acks.push({
            id: `AwsSolutions-IAM5[Resource::${nagResource(stack, resource)}]`,
            reason:
              'Qualified ARNs of a configured target function: its version numbers are published during the deployment and its alias names come from pipelines, so the qualifier cannot be listed in advance.',
          });
        }
      } else {
        const resources = scope.targetRegions.map((region) => lambdaArn(region, '*'));
        statements.push(new iam.PolicyStatement({ actions: [...access.lambda], resources }));
        // A pipeline may name any function of this account; none may be the control plane itself
        // (its steps, API and triggers, the alarm watcher included).
        const own = [...Object.values(this.stepFunctions), ...Object.values(this.handlerFunctions)];
        statements.push(
          new iam.PolicyStatement({
            effect: iam.Effect.DENY,
            actions: [...access.lambda].filter(
              (a) => a !== 'lambda:GetAlias' && a !== 'lambda:GetFunctionConfiguration',
            ),
            resources: own.flatMap((f) => [f!.functionArn, `${f!.functionArn}:*`]),
          }),
        );
        for (const resource of resources) {
          acks.push({
            id: `AwsSolutions-IAM5[Resource::${nagResource(stack, resource)}]`,
            reason:
              'targetFunctionNames is not configured: pipelines registered at run time may deploy any Lambda function of the control plane account in the target regions. Set targetFunctionNames to scope this; an explicit Deny keeps the control plane functions out of reach.',
          });
        }
      }
    }
    if (access.alarms === true) {
      const alarmArns = scope.targetRegions.map((region) =>
        stack.formatArn({
          service: 'cloudwatch',
          region,
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      statements.push(
        new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: alarmArns }),
      );
      for (const resource of alarmArns) {
        acks.push({
          id: `AwsSolutions-IAM5[Resource::${nagResource(stack, resource)}]`,
          reason:
            'Alarm names come from pipeline definitions registered at run time; DescribeAlarms is read-only and limited to the account and target regions.',
        });
      }
    }
    if (access.metrics === true) {
      statements.push(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
      acks.push({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:GetMetricData supports no resource-level permissions; it is read-only (bake data-point counts).',
      });
    }
    if (scope.targetAccounts.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          actions: ['sts:AssumeRole'],
          resources: scope.targetAccounts.map((account) =>
            Arn.format({
              partition: Aws.PARTITION,
              service: 'iam',
              region: '',
              account,
              resource: 'role',
              resourceName: scope.targetRoleName,
            }),
          ),
        }),
      );
    }
    if (statements.length === 0) return;
    const policy = new iam.Policy(this, `${callerId}TargetAccess`, {
      statements,
      roles: [fn.role as iam.Role],
    });
    for (const ack of acks) Validations.of(policy).acknowledge(ack);
  }

  #createStateMachine(
    machine: (typeof STATE_MACHINES)[number],
    names: Record<MachineId, string>,
    substitutions: Record<string, string>,
    machineArn: (id: MachineId) => string,
    level: sfn.LogLevel | undefined,
  ): sfn.StateMachine {
    const stack = Stack.of(this);
    const file = join(PROJECT_ROOT, machine.file);
    const logGroup = new logs.LogGroup(this, `${machine.id}StateMachineLogs`, {
      // Step Functions vended logs need the /aws/vendedlogs/ prefix to stay under the resource policy size limit.
      logGroupName: `/aws/vendedlogs/states/${names[machine.id]}`,
      retention: this.#logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stateMachine = new sfn.StateMachine(this, `${machine.id}StateMachine`, {
      stateMachineName: names[machine.id],
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(loadAslDefinition(file, substitutions)),
      logs: { destination: logGroup, level: level ?? sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    const placeholders = new Set(aslPlaceholders(readFileSync(file, 'utf8')));
    const invoked = STEP_FUNCTIONS.filter((s) => placeholders.has(s.arnVariable)).map(
      (s) => this.stepFunctions[s.id],
    );
    stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: invoked.map((f) => f.functionArn),
      }),
    );
    const children = STATE_MACHINES.filter((m) => placeholders.has(m.arnVariable));
    if (children.length > 0) {
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: children.map((c) => machineArn(c.id)),
        }),
      );
      const executionArns = children.map((c) =>
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${names[c.id]}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: executionArns,
        }),
      );
      // .sync waits for the child through a Step Functions managed EventBridge rule.
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          resources: [
            stack.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
            }),
          ],
        }),
      );
      for (const arn of executionArns) {
        Validations.of(stateMachine.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${nagResource(stack, arn)}]`,
          reason:
            'Executions of the child state machine (startExecution.sync:2): execution names are generated per run, so the policy names the child machine and leaves the execution name open.',
        });
      }
    }
    Validations.of(stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for Step Functions logging (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray tracing (xray:PutTraceSegments...): these actions support no resource-level permissions.',
    });
    return stateMachine;
  }

  #createApi(
    handlers: Partial<Record<keyof ControlPlaneHandlerEntries, lambda.Function>>,
    rate: number,
    burst: number,
    cloudWatchRole: boolean,
  ): apigateway.RestApi {
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: this.#logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new apigateway.RestApi(this, 'Api', {
      restApiName: `${this.#name}-api`,
      description: 'Breakwater: queries and commands (IAM/SigV4) and the GitHub webhook (HMAC).',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Bodies reach the handlers base64-encoded, byte for byte: the webhook's HMAC is checked on
      // the exact bytes GitHub signed, whatever their encoding.
      binaryMediaTypes: [...API_BINARY_MEDIA_TYPES],
      cloudWatchRole,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: this.#stageOptions(accessLogs, rate, burst),
    });
    const validator = new apigateway.RequestValidator(this, 'ApiRequestValidator', {
      restApi: api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    if (handlers.api) {
      const integration = new apigateway.LambdaIntegration(handlers.api);
      api.root.addMethod('ANY', integration, { requestValidator: validator });
      api.root.addResource('{proxy+}').addMethod('ANY', integration, { requestValidator: validator });
    }
    if (handlers.githubWebhook) {
      const method = api.root
        .resourceForPath('webhooks/github')
        .addMethod('POST', new apigateway.LambdaIntegration(handlers.githubWebhook), {
          // GitHub cannot sign with SigV4: the handler verifies X-Hub-Signature-256 (HMAC) instead.
          authorizationType: apigateway.AuthorizationType.NONE,
          requestValidator: validator,
          requestParameters: {
            'method.request.header.X-Hub-Signature-256': true,
            'method.request.header.X-GitHub-Event': true,
          },
        });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'GitHub webhooks cannot sign requests with SigV4; the handler verifies the X-Hub-Signature-256 HMAC with the shared webhook secret before doing anything, and API Gateway rejects requests without the signature header.',
      });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'The GitHub webhook is authenticated by its HMAC signature, not by a Cognito user.',
      });
    }
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Breakwater API callers are AWS principals (CLI, CI roles) authorized with IAM/SigV4, not Cognito users.',
    });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF by default: every command route requires SigV4 and the webhook an HMAC, and the stage is throttled. Attach a WAF web ACL to the stage if your organisation requires one.',
    });
    if (cloudWatchRole) {
      Validations.of(api).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level role API Gateway uses to write access and execution logs; AWS maintains this managed policy for exactly that purpose.',
      });
    }
    return api;
  }

  /** The stage of each REST API: v1, access logs, error logging, metrics, tracing, throttling. */
  #stageOptions(accessLogs: logs.ILogGroup, rate: number, burst: number): apigateway.StageOptions {
    return {
      stageName: 'v1',
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      metricsEnabled: true,
      tracingEnabled: true,
      throttlingRateLimit: rate,
      throttlingBurstLimit: burst,
    };
  }

  /**
   * The GitHub webhook HMAC secret, generated by Secrets Manager. The webhook Lambda gets its ARN
   * (never its value: that would sit in the function configuration) and may read that one secret.
   */
  #createWebhookSecret(webhook: lambda.Function): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'GithubWebhookSecret', {
      description:
        'Breakwater: the secret of the GitHub webhook (X-Hub-Signature-256 HMAC). Paste its value into the webhook settings on GitHub.',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    webhook.addEnvironment('GITHUB_WEBHOOK_SECRET_ARN', secret.secretArn);
    webhook.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook secret is shared with GitHub, which cannot fetch a rotated value: rotating it means changing the GitHub webhook setting at the same time, a manual step (docs/deploy.md, "GitHub webhook").',
    });
    new CfnOutput(this, 'GithubWebhookSecretArn', {
      description:
        'Secrets Manager secret holding the GitHub webhook secret: aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text',
      value: secret.secretArn,
    });
    return secret;
  }

  /**
   * The dashboard (web/) in a private, versioned bucket, served by CloudFront through Origin
   * Access Control; people sign in with a Cognito user pool (Hosted UI, authorization code with
   * PKCE) and the dashboard calls a console API, the same handler behind a Cognito authorizer.
   * Its config.json gives it that API and the sign-in settings.
   */
  #createConsole(
    apiHandler: lambda.Function,
    options: { removalPolicy: RemovalPolicy; rate: number; burst: number; domainPrefix: string },
  ): BreakwaterConsole {
    const { removalPolicy } = options;
    const stack = Stack.of(this);
    const logBucket = new s3.Bucket(this, 'ConsoleLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logs are delivered with an ACL grant, which needs ACLs enabled.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      // Access logs expire with the same retention as the log groups.
      lifecycleRules: [{ expiration: Duration.days(this.#logRetention) }],
      removalPolicy,
    });
    // No access logs of its own: cdk-nag (S1) accepts a bucket that is another bucket's log destination.
    const bucket = new s3.Bucket(this, 'ConsoleBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy,
    });
    const { userPool, userPoolDomain } = this.#createConsoleUserPool(removalPolicy, options.domainPrefix);
    const consoleApi = this.#createConsoleApi(userPool, apiHandler, options.rate, options.burst);
    const apiOrigin = `https://${consoleApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
    const signInOrigin = userPoolDomain.baseUrl();
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'ConsoleHeaders', {
      comment:
        'Breakwater dashboard: security headers (the CSP of breakwater serve, plus the console API and sign-in origins).',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${apiOrigin} ${signInOrigin}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
    const distribution = new cloudfront.Distribution(this, 'ConsoleDistribution', {
      comment: `Breakwater dashboard (${this.#name})`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: cloudfrontOrigins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'console-cdn/',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'No geo restriction: operators reach the dashboard from wherever they work; it serves static files only, and every API call it makes is authorized by the API itself.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        "No WAF by default: the distribution serves only the dashboard's static files (GET/HEAD, no origin logic, no data); a CLOUDFRONT-scope web ACL costs more than it protects here. Attach one with webAclId if your organisation requires it.",
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy (TLSv1 allowed for old clients); a custom domain with an ACM certificate and TLSv1.2_2021 is the way to raise it and is not configured by default.',
    });
    const consoleUrl = `https://${distribution.distributionDomainName}`;
    const userPoolClient = this.#connectConsole(consoleApi, userPool, apiHandler, consoleUrl);
    const deploymentLogs = new logs.LogGroup(this, 'ConsoleDeploymentLogs', {
      retention: this.#logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const deployment = new s3deploy.BucketDeployment(this, 'ConsoleDeployment', {
      sources: [
        s3deploy.Source.asset(join(PROJECT_ROOT, 'web')),
        // Read by web/api.js and web/auth.js at start: the console API (another origin) and how to sign in.
        s3deploy.Source.jsonData('config.json', {
          apiEndpoint: consoleApi.url,
          cognito: {
            domain: signInOrigin,
            clientId: userPoolClient.userPoolClientId,
            region: stack.region,
            redirectUri: `${consoleUrl}/`,
          },
        }),
      ],
      destinationBucket: bucket,
      distribution,
      distributionPaths: ['/*'],
      logGroup: deploymentLogs,
    });
    this.#acknowledgeBucketDeployment(deployment, bucket);
    new CfnOutput(this, 'ConsoleUrl', {
      description:
        'The hosted Breakwater dashboard: people sign in with the console user pool (docs/deploy.md).',
      value: `${consoleUrl}/`,
    });
    new CfnOutput(this, 'ConsoleUserPoolId', {
      description:
        'Who may sign in to the dashboard: aws cognito-idp admin-create-user --user-pool-id <this> --username <email>',
      value: userPool.userPoolId,
    });
    return {
      bucket,
      logBucket,
      distribution,
      deployment,
      userPool,
      userPoolClient,
      userPoolDomain,
      api: consoleApi,
    };
  }

  /**
   * The people who may use the dashboard: created by an administrator (no self sign-up), email
   * as the user name (immutable: it is the name recorded on every command), a strong password
   * and a TOTP second factor, both required.
   */
  #createConsoleUserPool(
    removalPolicy: RemovalPolicy,
    domainPrefix: string,
  ): { userPool: cognito.UserPool; userPoolDomain: cognito.UserPoolDomain } {
    const userPool = new cognito.UserPool(this, 'ConsoleUserPool', {
      userPoolName: `${this.#name}-console`,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: false } },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Essentials, not Plus: threat protection (the Plus plan) is billed per monthly active user, and the console has a few administrator-created operators, each with a required TOTP second factor and a 14-character password. Choose the Plus plan on the user pool if your organisation requires threat protection.',
    });
    const userPoolDomain = userPool.addDomain('ConsoleUserPoolDomain', { cognitoDomain: { domainPrefix } });
    return { userPool, userPoolDomain };
  }

  /**
   * The API the dashboard calls: the API handler (the same routes as the IAM API) with a
   * Cognito authorizer on every method, so the browser sends the signed-in person's ID token
   * instead of a SigV4 signature. Bodies are not binary here: the dashboard sends JSON only.
   */
  #createConsoleApi(
    userPool: cognito.UserPool,
    apiHandler: lambda.Function,
    rate: number,
    burst: number,
  ): apigateway.RestApi {
    const accessLogs = new logs.LogGroup(this, 'ConsoleApiAccessLogs', {
      retention: this.#logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'ConsoleAuthorizer', {
      authorizerName: `${this.#name}-console`,
      cognitoUserPools: [userPool],
    });
    const api = new apigateway.RestApi(this, 'ConsoleApi', {
      restApiName: `${this.#name}-console-api`,
      description: 'Breakwater: the hosted dashboard’s queries and commands (Cognito user pool ID tokens).',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // The IAM API owns the account's API Gateway logging role; a second one would clash.
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.COGNITO, authorizer },
      deployOptions: this.#stageOptions(accessLogs, rate, burst),
    });
    const validator = new apigateway.RequestValidator(this, 'ConsoleApiRequestValidator', {
      restApi: api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const integration = new apigateway.LambdaIntegration(apiHandler);
    api.root.addMethod('ANY', integration, { requestValidator: validator });
    api.root.addResource('{proxy+}').addMethod('ANY', integration, { requestValidator: validator });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF by default: every method requires a Cognito ID token (verified by API Gateway before the handler runs) and the stage is throttled. Attach a WAF web ACL to the stage if your organisation requires one.',
    });
    return api;
  }

  /**
   * What ties the console API and the user pool to the dashboard's address: the app client
   * (public, code + PKCE, redirects only to the dashboard), CORS for that one origin (the
   * preflight, the authorizer's own 401/403, and the handler's answers through CONSOLE_ORIGIN).
   */
  #connectConsole(
    consoleApi: apigateway.RestApi,
    userPool: cognito.UserPool,
    apiHandler: lambda.Function,
    consoleUrl: string,
  ): cognito.UserPoolClient {
    const client = userPool.addClient('ConsoleClient', {
      userPoolClientName: `${this.#name}-console`,
      // A browser cannot keep a secret: a public client, whose code exchange PKCE protects.
      generateSecret: false,
      // The Hosted UI only: no password flows straight from the page.
      authFlows: { user: false, userSrp: false, custom: false, adminUserPassword: false },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [`${consoleUrl}/`],
        logoutUrls: [`${consoleUrl}/`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });
    for (const resource of [consoleApi.root, consoleApi.root.getResource('{proxy+}')!]) {
      const preflight = resource.addCorsPreflight({
        allowOrigins: [consoleUrl],
        allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
        allowHeaders: ['Authorization', 'Content-Type'],
        maxAge: Duration.hours(1),
      });
      Validations.of(preflight).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The CORS preflight (OPTIONS): browsers send it without credentials by design; a mock integration answers it with the CORS headers for the dashboard origin only, and it reaches no handler or data.',
      });
      Validations.of(preflight).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'The CORS preflight (OPTIONS) carries no token by design; it reaches no handler or data.',
      });
    }
    // The authorizer's refusals (401, 403) and API Gateway's own errors must be readable by the
    // page, or it could not tell "sign in again" from a network failure.
    for (const [id, type] of [
      ['ConsoleApiDefault4xx', apigateway.ResponseType.DEFAULT_4XX],
      ['ConsoleApiDefault5xx', apigateway.ResponseType.DEFAULT_5XX],
    ] as const) {
      consoleApi.addGatewayResponse(id, {
        type,
        responseHeaders: { 'Access-Control-Allow-Origin': `'${consoleUrl}'`, Vary: "'Origin'" },
      });
    }
    apiHandler.addEnvironment('CONSOLE_ORIGIN', consoleUrl);
    return client;
  }

  /**
   * Findings on CDK's BucketDeployment handler: a singleton Lambda and role that aws-cdk-lib
   * builds and grants. Each wildcard is acknowledged by name; one that CDK adds in a later
   * version stays a finding until someone reads it.
   */
  #acknowledgeBucketDeployment(deployment: s3deploy.BucketDeployment, bucket: s3.Bucket): void {
    const stack = Stack.of(this);
    const role = deployment.handlerRole;
    const handler = role.node.scope as Construct;
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "CDK's BucketDeployment handler (Python, part of aws-cdk-lib) runs on the runtime aws-cdk-lib pins for it; it is not configurable and is updated with aws-cdk-lib.",
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's BucketDeployment handler role: the AWS managed policy only lets it write its own CloudWatch logs.",
    });
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `CDK's BucketDeployment handler copies the dashboard from the CDK asset bucket into the console bucket and prunes old files: aws-cdk-lib grants ${action} (bucket grantRead/grantReadWrite) on those two buckets only.`,
      });
    }
    const consoleObjects = nagResource(stack, bucket.arnForObjects('*'));
    const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
    const document = stack.resolve(policy?.document.toJSON() ?? { Statement: [] }) as {
      Statement: { Action: string | string[]; Resource: unknown }[];
    };
    const wildcards = new Set<string>();
    for (const statement of document.Statement) {
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of resources.map(nagRender)) if (resource.includes('*')) wildcards.add(resource);
    }
    for (const resource of wildcards) {
      let reason: string | undefined;
      if (resource === consoleObjects) {
        reason =
          'The dashboard files in the console bucket: BucketDeployment writes and prunes them by key, and the keys are the files of web/.';
      } else if (resource === '*') {
        reason =
          'cloudfront:CreateInvalidation/GetInvalidation after each dashboard upload, granted by aws-cdk-lib on * (CDK does not scope it to the distribution).';
      } else if (/:s3:::cdk-[a-z0-9]+-assets-[^/]+\/\*$/.test(resource)) {
        reason =
          'Objects of the CDK bootstrap asset bucket: the handler reads the zipped dashboard asset from it (read-only, granted by aws-cdk-lib).';
      }
      if (reason)
        Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
    }
  }

  #createAlarms(metrics: ControlPlaneMetrics, topic: sns.ITopic | undefined): cloudwatch.Alarm[] {
    const alarms: cloudwatch.Alarm[] = [];
    const add = (id: string, metric: cloudwatch.IMetric, description: string) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // These metrics are only emitted when something happened: no data means nothing failed.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (topic) alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
      alarms.push(alarm);
    };
    for (const id of Object.keys(this.stateMachines)) {
      add(
        `${id}ExecutionsFailedAlarm`,
        metrics.executionsFailed(id),
        `Breakwater ${id} executions failed (a rolled-back deployment also ends failed: read its timeline).`,
      );
    }
    add(
      'DeploymentExecutionsTimedOutAlarm',
      metrics.executionsTimedOut('Deployment'),
      'A Breakwater deployment execution timed out.',
    );
    for (const name of Object.keys(metrics.resources.functions)) {
      add(`${name}ErrorsAlarm`, metrics.lambdaErrors(name), `Breakwater ${name} Lambda errors.`);
      add(`${name}ThrottlesAlarm`, metrics.lambdaThrottles(name), `Breakwater ${name} Lambda throttles.`);
    }
    add('TableThrottlesAlarm', metrics.tableThrottles(), 'The Breakwater table throttled requests.');
    add(
      'RollbackDeadLetterAlarm',
      metrics.deadLetters('Rollback'),
      'A console-stop rollback could not be delivered to the RollBack Lambda: roll the deployment back by hand (see docs/deploy.md).',
    );
    if (this.alarmEventDeadLetterQueue) {
      add(
        'AlarmEventDeadLetterAlarm',
        metrics.deadLetters('AlarmEvent'),
        'An alarm state change could not be delivered to or handled by the Breakwater alarm watcher: deployments watching that alarm roll back only at their next safety poll, and only if it is still in ALARM. Check them (see docs/deploy.md).',
      );
    }
    return alarms;
  }

  /** Findings that every function in the construct shares, each with its reason. */
  #acknowledgeStackWide(): void {
    const stack = Stack.of(this);
    for (const fn of [...Object.values(this.stepFunctions), ...Object.values(this.handlerFunctions)]) {
      if (!fn) continue;
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x on purpose: the code is tested on Node 20 and 22; nodejs24.x is adopted after the test matrix covers it.',
      });
      const role = fn.role as iam.Role;
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions.',
      });
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.table.node.defaultChild as dynamodb.CfnTable)}.Arn>/index/*]`,
        reason: `Table grant from CDK (grantReadData/grantReadWriteData) covers the table's indexes; the table has exactly one, ${GSI1}, which the deployment listings query.`,
      });
    }
  }
}
