import {
  type aws_apigateway as apigateway,
  type aws_cloudwatch as cloudwatch,
  type aws_dynamodb as dynamodb,
  type aws_events as events,
  type aws_iam as iam,
  type aws_lambda as lambda,
  type aws_logs as logs,
  RemovalPolicy,
  Stack,
  type aws_secretsmanager as secretsmanager,
  type aws_stepfunctions as sfn,
  type aws_sns as sns,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DEPLOYMENT_EVENT_SOURCE } from '../../src/ports/events.js';
import type { StepFunctionId } from '../../src/ports/step-catalog.js';
import { BreakwaterApi } from './api.js';
import { BreakwaterConsole } from './console.js';
import { BreakwaterMonitoring } from './control-plane-monitoring.js';
import { type ControlPlaneHandlerEntries, DEFAULT_HANDLER_ENTRIES } from './function.js';
import type { ControlPlaneMetrics } from './monitoring.js';
import { keepPreSplitLogicalIds } from './part.js';
import { BreakwaterSteps } from './steps.js';
import { BreakwaterStore } from './store.js';
import {
  ALARM_WATCHER,
  BreakwaterTargetAccess,
  TARGET_CALLER_STEPS,
  type TargetCallerId,
} from './target-access.js';
import { BreakwaterTriggers } from './triggers.js';
import { ACCOUNT_ID, FUNCTION_NAME, ORGANISATION_ID, REGION, ROLE_NAME, Validator } from './validation.js';
import { BreakwaterWorkflows, type MachineId } from './workflows.js';

/** The source of Breakwater's own events on EventBridge (see docs/deploy.md). */
export const EVENT_SOURCE = DEPLOYMENT_EVENT_SOURCE;
/** The detail-type of a deployment's state change published by Breakwater. */
export const DEPLOYMENT_STATE_CHANGE = 'Breakwater Deployment State Change';

/**
 * The ARN of the control plane's default event bus, where BreakwaterAlarmForwarder sends the alarm
 * state changes of target accounts and regions.
 *
 * @example new BreakwaterAlarmForwarder(stack, 'AlarmForwarder', { controlPlaneEventBusArn: controlPlaneEventBusArn('111111111111', 'eu-west-1') })
 */
export function controlPlaneEventBusArn(account: string, region: string, partition = 'aws'): string {
  return `arn:${partition}:events:${region}:${account}:event-bus/default`;
}

export interface BreakwaterControlPlaneProps {
  /**
   * Prefix of the physical names that must be known in advance: the state machines
   * (`<name>-Deployment`, `<name>-Wave`, `<name>-Batch`, `<name>-ReleaseRollback`) and the roles
   * of the step Lambdas and the alarm watcher (`<name>-<StepId>-<region>`,
   * `<name>-AlarmState-<region>`), which target accounts trust by ARN.
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
   * API and trigger handler entries (relative to the project root, or absolute). When given, a
   * kind left out is not built: no Lambda, no route, no rule target. A default entry uses the
   * package's prebuilt bundle when installed; an entry of your own (absolute) is bundled from
   * source.
   * @default DEFAULT_HANDLER_ENTRIES — all four, the ones Breakwater ships
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
   * every command. Its `config.json` names that API and the sign-in settings. Built only with
   * the API handler (the default, or `api` in `handlers`; see docs/deploy.md, "Hosted dashboard").
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

const DEFAULT_NAME = 'breakwater';
const NAME = /^[a-z][a-z0-9-]{0,19}$/;
/** Cognito domain prefixes: lower-case letters, digits and "-", never "aws", "amazon" or "cognito". */
const DOMAIN_PREFIX = /^(?!.*(?:aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_API_BODY = 10 * 1024 * 1024;

/**
 * Breakwater's control plane in one account and region, composed of one part per concern:
 *
 * - `store` (BreakwaterStore): the table;
 * - `steps` (BreakwaterSteps): one Lambda per workflow step;
 * - `workflows` (BreakwaterWorkflows): the state machines built from `statemachines/*.asl.json`
 *   and the rule that rolls back a stopped deployment;
 * - `targetAccess` (BreakwaterTargetAccess): what the steps and the alarm watcher may do in
 *   target accounts;
 * - `triggers` (BreakwaterTriggers): the GitHub webhook, CodeCommit and alarm watcher Lambdas
 *   and their rules;
 * - `api` (BreakwaterApi): the REST API and its Lambda;
 * - `console` (BreakwaterConsole): the hosted dashboard and its sign-in;
 * - `monitoring` (BreakwaterMonitoring): alarms and a dashboard on the control plane itself.
 *
 * Every stateful or named resource keeps the logical ID it had before the parts existed (see
 * ControlPlanePart), so a stack deployed with an earlier version updates in place; only Lambda
 * permissions and API deployments, which CloudFormation replaces freely, get new ones.
 *
 * @example
 * ```ts
 * const plane = new BreakwaterControlPlane(stack, 'ControlPlane', { targetAccounts: ['222222222222'] });
 * plane.grantStartDeployment(ciRole);
 * ```
 */
export class BreakwaterControlPlane extends Construct {
  /** The table. */
  readonly store: BreakwaterStore;
  /** The step Lambdas. */
  readonly steps: BreakwaterSteps;
  /** The state machines and the stopped-deployment rule. */
  readonly workflows: BreakwaterWorkflows;
  /** The target-account permissions of the steps and the alarm watcher. */
  readonly targetAccess: BreakwaterTargetAccess;
  /** The GitHub webhook, CodeCommit and alarm watcher triggers. */
  readonly triggers: BreakwaterTriggers;
  /**
   * The REST API part (`api.restApi`, `api.handler`, `api.grantInvoke`); undefined when neither
   * the API handler nor the webhook handler is built. Before the parts, `api` was the RestApi:
   * that is `restApi` now.
   */
  readonly api?: BreakwaterApi;
  /** The REST API; `api.restApi`. */
  readonly restApi?: apigateway.RestApi;
  /** The hosted dashboard; undefined when `console` is false or there is no API handler. */
  readonly console?: BreakwaterConsole;
  /** Alarms and a dashboard on the control plane's own health. */
  readonly monitoring: BreakwaterMonitoring;

  /** The single table (see src/adapters/aws/table.ts); `store.table`. */
  readonly table: dynamodb.Table;
  /** One function per workflow step, by catalog id; `steps.functions`. */
  readonly stepFunctions: Readonly<Record<StepFunctionId, lambda.Function>>;
  /** The state machines, by catalog id; `workflows.machines`. */
  readonly stateMachines: Readonly<Record<MachineId, sfn.StateMachine>>;
  /** The machine a deployment starts in; the execution name is the deployment id. */
  readonly deploymentStateMachine: sfn.StateMachine;
  /** The API and trigger Lambdas that were built, by handler kind. */
  readonly handlerFunctions: Readonly<Partial<Record<keyof ControlPlaneHandlerEntries, lambda.Function>>>;
  /** The HMAC secret shared with GitHub; `triggers.githubWebhookSecret`. */
  readonly githubWebhookSecret?: secretsmanager.Secret;
  /** Receives the console-stop rollbacks EventBridge could not deliver; `workflows.rollbackDeadLetterQueue`. */
  readonly rollbackDeadLetterQueue: sqs.Queue;
  /** Receives the alarm events the alarm watcher could not take; `triggers.alarmEventDeadLetterQueue`. */
  readonly alarmEventDeadLetterQueue?: sqs.Queue;
  /** This account and region's default event bus; `triggers.eventBusArn`. */
  readonly eventBusArn: string;
  /** The bus policy for target accounts' alarm events; `triggers.alarmEventsBusPolicy`. */
  readonly alarmEventsBusPolicy?: events.CfnEventBusPolicy;
  /** The control plane's own alarms; `monitoring.alarms`. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The metrics the alarms and the dashboard are built on; `monitoring.metrics`. */
  readonly monitoringMetrics: ControlPlaneMetrics;
  /** The CloudWatch dashboard `<name>-control-plane`; `monitoring.dashboard`. */
  readonly dashboard: cloudwatch.Dashboard;
  /**
   * The roles of the Lambdas that reach into target accounts (what BreakwaterTargetRole trusts):
   * the steps of TARGET_CALLER_STEPS and, when it is built, the alarm watcher.
   */
  readonly targetCallerRoles: readonly iam.Role[];

  constructor(scope: Construct, id: string, props: BreakwaterControlPlaneProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const check = new Validator('BreakwaterControlPlane');
    const name = props.name ?? DEFAULT_NAME;
    check.pattern(
      'name',
      name,
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
    const logRetention = retentionDays as logs.RetentionDays;
    const maxBody = props.maxRequestBodyBytes ?? 1_048_576;
    check.integerInRange('maxRequestBodyBytes', maxBody, 1, MAX_API_BODY);
    const memorySize = props.memorySize ?? 256;
    check.integerInRange('memorySize', memorySize, 128, 10_240);
    const rate = props.apiThrottlingRateLimit ?? 20;
    const burst = props.apiThrottlingBurstLimit ?? 40;
    check.integerInRange('apiThrottlingRateLimit', rate, 1, 10_000);
    check.integerInRange('apiThrottlingBurstLimit', burst, 1, 5_000);
    const handlers = props.handlers ?? DEFAULT_HANDLER_ENTRIES;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const common = { logRetention, memorySize };
    keepPreSplitLogicalIds(this);

    this.store = new BreakwaterStore(this, 'Store', { removalPolicy });
    this.table = this.store.table;
    const stepEnvironment: Record<string, string> = {
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
    this.steps = new BreakwaterSteps(this, 'Steps', {
      name,
      store: this.store,
      environment: stepEnvironment,
      hookFunctionArns: props.hookFunctionArns,
      ...common,
    });
    this.stepFunctions = this.steps.functions;
    this.workflows = new BreakwaterWorkflows(this, 'Workflows', {
      name,
      steps: this.steps,
      logRetention,
      logLevel: props.stateMachineLogLevel,
    });
    this.stateMachines = this.workflows.machines;
    this.deploymentStateMachine = this.workflows.deployment;
    this.rollbackDeadLetterQueue = this.workflows.rollbackDeadLetterQueue;

    const triggerEnvironment = {
      ...stepEnvironment,
      DEPLOYMENT_STATE_MACHINE_ARN: this.workflows.machines.Deployment.stateMachineArn,
      RELEASE_ROLLBACK_STATE_MACHINE_ARN: this.workflows.machines.ReleaseRollback.stateMachineArn,
      MAX_BODY_BYTES: String(maxBody),
    };
    this.triggers = new BreakwaterTriggers(this, 'Triggers', {
      name,
      store: this.store,
      workflows: this.workflows,
      entries: handlers,
      stepEnvironment,
      triggerEnvironment,
      targetAccounts,
      organisationId: props.organisationId,
      ...common,
    });
    const { triggers } = this;
    this.githubWebhookSecret = triggers.githubWebhookSecret;
    this.alarmEventDeadLetterQueue = triggers.alarmEventDeadLetterQueue;
    this.eventBusArn = triggers.eventBusArn;
    this.alarmEventsBusPolicy = triggers.alarmEventsBusPolicy;

    const throttling = { rate, burst };
    if (handlers.api !== undefined || triggers.githubWebhook) {
      this.api = new BreakwaterApi(this, 'Api', {
        name,
        store: this.store,
        workflows: this.workflows,
        entry: handlers.api,
        githubWebhook: triggers.githubWebhook,
        environment: triggerEnvironment,
        throttling,
        cloudWatchRole: props.apiCloudWatchRole ?? true,
        ...common,
      });
    }
    this.restApi = this.api?.restApi;
    const apiHandler = this.api?.handler;
    this.handlerFunctions = {
      ...(apiHandler ? { api: apiHandler } : {}),
      ...(triggers.githubWebhook ? { githubWebhook: triggers.githubWebhook } : {}),
      ...(triggers.codeCommit ? { codeCommit: triggers.codeCommit } : {}),
      ...(triggers.alarmWatcher ? { alarmState: triggers.alarmWatcher } : {}),
    };
    if (apiHandler && (props.console ?? true)) {
      this.console = new BreakwaterConsole(this, 'Console', {
        name,
        apiHandler,
        domainPrefix: props.consoleDomainPrefix ?? `${name}-${stack.account}`,
        removalPolicy,
        logRetention,
        throttling,
      });
    }

    const callers: [TargetCallerId, lambda.Function][] = TARGET_CALLER_STEPS.map((id) => [
      id,
      this.stepFunctions[id],
    ]);
    if (triggers.alarmWatcher) callers.push([ALARM_WATCHER, triggers.alarmWatcher]);
    this.targetCallerRoles = callers.map(([, fn]) => fn.role as iam.Role);
    this.targetAccess = new BreakwaterTargetAccess(this, 'TargetAccess', {
      callers,
      targetAccounts,
      targetRegions,
      targetFunctionNames: props.targetFunctionNames,
      targetRoleName,
      ownFunctions: this.#ownFunctions(),
    });

    this.monitoring = new BreakwaterMonitoring(this, 'Monitoring', {
      name,
      resources: {
        stateMachines: this.stateMachines,
        functions: Object.fromEntries(
          [...Object.entries(this.stepFunctions), ...Object.entries(this.handlerFunctions)].map(
            ([id, fn]) => [id[0]!.toUpperCase() + id.slice(1), fn],
          ),
        ),
        table: this.table,
        deadLetterQueues: {
          Rollback: this.rollbackDeadLetterQueue,
          ...(this.alarmEventDeadLetterQueue ? { AlarmEvent: this.alarmEventDeadLetterQueue } : {}),
        },
      },
      alarmTopic: props.alarmTopic,
    });
    this.alarms = this.monitoring.alarms;
    this.monitoringMetrics = this.monitoring.metrics;
    this.dashboard = this.monitoring.dashboard;
  }

  /** Allows `grantee` to start deployments (states:StartExecution on the Deployment machine). */
  grantStartDeployment(grantee: iam.IGrantable): iam.Grant {
    return this.workflows.grantStartDeployment(grantee);
  }

  /** Allows `grantee` to read the table (pipelines, deployments, timelines). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.store.grantRead(grantee);
  }

  /**
   * Allows `grantee` to call the IAM-authorized API routes (execute-api:Invoke on the stage).
   * @throws when the API was not built (no `api` nor `githubWebhook` in the `handlers` prop).
   */
  grantInvokeApi(grantee: iam.IGrantable): iam.Grant {
    if (!this.api) {
      throw new Error(
        'BreakwaterControlPlane: grantInvokeApi: expected an API, got none (the handlers prop names neither `api` nor `githubWebhook`)',
      );
    }
    return this.api.grantInvoke(grantee);
  }

  /** Every Lambda of the control plane: the steps, then the API and trigger handlers. */
  #ownFunctions(): lambda.Function[] {
    return [...Object.values(this.stepFunctions), ...Object.values(this.handlerFunctions)];
  }
}
