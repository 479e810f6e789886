import {
  CfnOutput,
  Duration,
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  type aws_lambda as lambda,
  type aws_logs as logs,
  Stack,
  aws_secretsmanager as secretsmanager,
  aws_sqs as sqs,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CODECOMMIT_REFERENCE_PATTERN } from '../../src/api/codecommit.js';
import { ALARM_STATE_CHANGE_PATTERN } from '../../src/ports/alarm-events.js';
import {
  type ControlPlaneHandlerEntries,
  createBreakwaterFunction,
  grantPublishEvents,
  handlerId,
  withEventSource,
} from './function.js';
import { nagResource } from './nag.js';
import { ControlPlanePart } from './part.js';
import type { BreakwaterStore } from './store.js';
import { ALARM_WATCHER, targetCallerRoleName } from './target-access.js';
import type { BreakwaterWorkflows } from './workflows.js';

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

export interface BreakwaterTriggersProps {
  /** Prefix of the alarm watcher's role name and of the bus policy's statement id. */
  readonly name: string;
  /** The table: the GitHub and CodeCommit triggers read it, the alarm watcher reads and writes it. */
  readonly store: BreakwaterStore;
  /** The GitHub and CodeCommit triggers start deployments. */
  readonly workflows: BreakwaterWorkflows;
  /** The trigger handlers to build; a kind left out is not built (no Lambda, no rule target). */
  readonly entries: Pick<ControlPlaneHandlerEntries, 'githubWebhook' | 'codeCommit' | 'alarmState'>;
  /** Environment of the alarm watcher (the steps' environment: it runs the RollBack step's service). */
  readonly stepEnvironment: Readonly<Record<string, string>>;
  /** Environment of the GitHub and CodeCommit triggers. */
  readonly triggerEnvironment: Readonly<Record<string, string>>;
  /** Retention of the log groups this part creates. */
  readonly logRetention: logs.RetentionDays;
  /** Memory of each Lambda this part creates, in MB. */
  readonly memorySize: number;
  /** Accounts whose alarm state changes the default bus accepts (see organisationId). */
  readonly targetAccounts: readonly string[];
  /** Accept alarm state changes from every account of this organisation instead. @default none */
  readonly organisationId?: string;
}

/**
 * What starts or stops deployments from outside: the GitHub webhook Lambda and its HMAC secret,
 * the CodeCommit push rule and Lambda, and the alarm watcher (the alarm state change rule, its
 * Lambda with a fixed role name that target accounts trust, its dead-letter queue, and the
 * default bus's policy for target accounts' alarm events).
 */
export class BreakwaterTriggers extends ControlPlanePart {
  /** The GitHub webhook Lambda (routed by BreakwaterApi). */
  readonly githubWebhook?: lambda.Function;
  /**
   * The HMAC secret shared with GitHub (generated); only the webhook Lambda may read it, by the
   * ARN in its GITHUB_WEBHOOK_SECRET_ARN.
   */
  readonly githubWebhookSecret?: secretsmanager.Secret;
  /** The CodeCommit referenceUpdated Lambda. */
  readonly codeCommit?: lambda.Function;
  /** The alarm watcher: rolls back every deployment watching an alarm that entered ALARM. */
  readonly alarmWatcher?: lambda.Function;
  /**
   * Receives the alarm state changes the alarm watcher could not be given (EventBridge) or could
   * not handle (Lambda's asynchronous retries exhausted).
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

  constructor(scope: Construct, id: string, props: BreakwaterTriggersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { entries, store, workflows } = props;
    const common = { logRetention: props.logRetention, memorySize: props.memorySize };
    if (entries.alarmState !== undefined) {
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
      // The alarm watcher runs the RollBack step's service: the steps' environment, and a role
      // with a fixed name (like the steps') that target accounts trust.
      const role = new iam.Role(this, `${handlerId('alarmState')}Role`, {
        roleName: targetCallerRoleName(props.name, ALARM_WATCHER, stack.region),
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: 'Breakwater alarm watcher: rolls back deployments watching an alarm that entered ALARM',
      });
      // Lambda retries a failed asynchronous invocation twice, then hands the event to the queue.
      this.alarmWatcher = createBreakwaterFunction(this, handlerId('alarmState'), {
        entry: entries.alarmState,
        role,
        environment: withEventSource(props.stepEnvironment),
        deadLetterQueue: this.alarmEventDeadLetterQueue,
        ...common,
      });
      store.grantReadWrite(this.alarmWatcher);
      grantPublishEvents(role);
    }
    for (const kind of ['githubWebhook', 'codeCommit'] as const) {
      const entry = entries[kind];
      if (entry === undefined) continue;
      const role = new iam.Role(this, `${handlerId(kind)}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      const starter = createBreakwaterFunction(this, handlerId(kind), {
        entry,
        role,
        environment: props.triggerEnvironment,
        ...common,
      });
      store.grantRead(starter);
      workflows.grantStartDeployment(starter);
      workflows.grantExecutions(starter, 'Deployment', ['states:DescribeExecution']);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(stack, workflows.executionsArn('Deployment'))}]`,
        reason:
          'A redelivered trigger reads the execution it already started (DescribeExecution only) to tell a duplicate from a conflict; execution names are the deployment ids, generated per deployment.',
      });
      if (kind === 'githubWebhook') {
        this.githubWebhook = starter;
        this.githubWebhookSecret = this.#createWebhookSecret(starter);
      } else {
        this.codeCommit = starter;
      }
    }

    // The logical id predates referenceCreated; kept so that existing stacks update the rule in place.
    new events.Rule(this, 'CodeCommitReferenceUpdatedRule', {
      description: 'Starts Breakwater deployments from CodeCommit pushes (branch created or updated).',
      eventPattern: codeCommitReferenceEventPattern(),
      targets: this.codeCommit
        ? [new eventsTargets.LambdaFunction(this.codeCommit, { retryAttempts: 8 })]
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
      targets: this.alarmWatcher
        ? [
            new eventsTargets.LambdaFunction(this.alarmWatcher, {
              deadLetterQueue: this.alarmEventDeadLetterQueue,
              retryAttempts: 185,
              maxEventAge: Duration.hours(24),
            }),
          ]
        : [],
    });
    if (this.alarmWatcher && (props.organisationId !== undefined || props.targetAccounts.length > 0)) {
      this.alarmEventsBusPolicy = this.#acceptAlarmEvents(
        props.name,
        props.targetAccounts,
        props.organisationId,
      );
    }
    this.keepLogicalIds();
  }

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
   * Lets the target accounts (or the organisation) put their alarm state changes on this default
   * bus: EventBridge delivers a CloudWatch event only to the default bus of the alarm's own account
   * and region, and their BreakwaterAlarmForwarder sends it on here. Only that source and
   * detail-type are accepted, so another account can never put a `breakwater` event (or anything
   * else) on the bus. The condition keys are those of AWS's example policy "Send events to a custom
   * bus in a different account" (EventBridge user guide, eb-event-bus-example-policy-cross-account-
   * custom-bus-source); `events:source` is multi-valued there, hence ForAllValues.
   */
  #acceptAlarmEvents(
    name: string,
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
      statementId: `${name}-alarm-events`,
      statement: statement.toStatementJson(),
    });
  }
}
