import { isAbsolute, join } from 'node:path';
import {
  Duration,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_lambda_nodejs as nodejs,
  RemovalPolicy,
  Stack,
  type aws_sqs as sqs,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { lambdaTimeoutOf } from '../../functions/lib/step-timeouts.js';
import { DEPLOYMENT_EVENT_SOURCE } from '../../src/ports/events.js';
import { STEP_FUNCTIONS } from '../../src/ports/step-catalog.js';
import { BUNDLING, PREBUILT_LAMBDA_DIR, PROJECT_ROOT, prebuiltBundle } from './bundling.js';

/**
 * Entry files of the API and trigger Lambdas, relative to the project root (or absolute). Each
 * `@default` applies when the control plane's `handlers` prop is left out altogether; when it is
 * given, a kind it does not name is not built.
 */
export interface ControlPlaneHandlerEntries {
  /** The API Gateway handler (every route except the GitHub webhook). @default 'functions/api/router.ts' */
  readonly api?: string;
  /** The GitHub webhook handler, HMAC-verified. @default 'functions/triggers/github-webhook.ts' */
  readonly githubWebhook?: string;
  /** The CodeCommit referenceUpdated handler. @default 'functions/triggers/codecommit.ts' */
  readonly codeCommit?: string;
  /**
   * The alarm watcher: target of the alarm state change rule; rolls back every deployment
   * watching an alarm that entered ALARM. @default 'functions/triggers/alarm-state.ts'
   */
  readonly alarmState?: string;
}

/** Where each API/trigger handler lives: Breakwater ships all four. */
export const DEFAULT_HANDLER_ENTRIES: Required<ControlPlaneHandlerEntries> = {
  api: 'functions/api/router.ts',
  githubWebhook: 'functions/triggers/github-webhook.ts',
  codeCommit: 'functions/triggers/codecommit.ts',
  alarmState: 'functions/triggers/alarm-state.ts',
};

/** The construct id of a handler kind's Lambda: `githubWebhook` → `GithubWebhook`. */
export const handlerId = (kind: keyof ControlPlaneHandlerEntries): string =>
  `${kind[0]!.toUpperCase()}${kind.slice(1)}`;

/** The entries Breakwater ships (steps and handlers): the ones `npm run build` prebuilds. */
const DEFAULT_ENTRIES: ReadonlySet<string> = new Set([
  ...STEP_FUNCTIONS.map((step) => step.entry),
  ...Object.values(DEFAULT_HANDLER_ENTRIES),
]);

/**
 * Whether this module runs from the installed package (compiled to `dist/`, where `npm run build`
 * put every shipped Lambda prebuilt) rather than from a clone's TypeScript sources (bundled with
 * esbuild at synth). Decided by what this module is, never by which files happen to exist.
 */
export const RUNS_FROM_PACKAGE = import.meta.url.endsWith('.js');

/** What every Breakwater Lambda shares, and what differs per function. */
export interface BreakwaterFunctionOptions {
  /** The handler's entry file (see ControlPlaneHandlerEntries and the step catalog). */
  readonly entry: string;
  /** The function's execution role (given X-Ray's permissions here). */
  readonly role: iam.IRole;
  /** The function's environment variables. */
  readonly environment: Readonly<Record<string, string>>;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Memory of the function, in MB. */
  readonly memorySize: number;
  /** Where Lambda puts an asynchronous invocation it could not handle. @default none */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * One Breakwater Lambda and its log group (`<id>Logs`, `<id>Function`): Node.js 22 on ARM,
 * active tracing, the timeout the step's ASL Task allows. A shipped entry runs its prebuilt
 * bundle in the installed package; in a clone, or for an entry of your own, it is bundled from
 * source with BUNDLING.
 * @throws when the installed package lacks the prebuilt bundle of a shipped entry.
 */
export function createBreakwaterFunction(
  scope: Construct,
  id: string,
  options: BreakwaterFunctionOptions,
): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: options.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const common = {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.memorySize,
    // Above the handlers' own waits and below the ASL's Task TimeoutSeconds, so Step Functions
    // never retries a step while its first attempt still runs (functions/lib/step-timeouts.ts).
    timeout: Duration.seconds(lambdaTimeoutOf(id)),
    tracing: lambda.Tracing.ACTIVE,
    role: options.role,
    logGroup,
    environment: { ...options.environment },
    ...(options.deadLetterQueue ? { deadLetterQueue: options.deadLetterQueue } : {}),
  };
  const fn =
    RUNS_FROM_PACKAGE && DEFAULT_ENTRIES.has(options.entry)
      ? prebuiltFunction(scope, id, common)
      : new nodejs.NodejsFunction(scope, `${id}Function`, {
          ...common,
          entry: isAbsolute(options.entry) ? options.entry : join(PROJECT_ROOT, options.entry),
          handler: 'handler',
          projectRoot: PROJECT_ROOT,
          depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
          bundling: BUNDLING,
        });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'nodejs22.x on purpose: the code is tested on Node 20 and 22; nodejs24.x is adopted after the test matrix covers it.',
  });
  Validations.of(options.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Active X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions.',
  });
  return fn;
}

/** The function `id` on its bundle from the installed package. */
function prebuiltFunction(
  scope: Construct,
  id: string,
  common: Omit<lambda.FunctionProps, 'code' | 'handler'>,
): lambda.Function {
  const prebuilt = prebuiltBundle(id);
  if (prebuilt === undefined) {
    throw new Error(
      `Breakwater ${id}: expected the prebuilt bundle ${join(PREBUILT_LAMBDA_DIR, id, 'index.mjs')} in the installed package, found none: reinstall breakwater (npm ci), or run \`npm run build\` in a clone`,
    );
  }
  return new lambda.Function(scope, `${id}Function`, {
    ...common,
    code: lambda.Code.fromAsset(prebuilt),
    handler: 'index.handler',
  });
}

/**
 * The environment a Lambda that publishes Breakwater's events runs with: `environment`, with
 * EVENT_SOURCE set to the one source grantPublishEvents allows.
 */
export function withEventSource(environment: Readonly<Record<string, string>>): Record<string, string> {
  return { ...environment, EVENT_SOURCE: DEPLOYMENT_EVENT_SOURCE };
}

/**
 * Lets `role` put Breakwater's own events (source `breakwater`, DEPLOYMENT_EVENT_SOURCE, see
 * docs/deploy.md) on this account and region's default bus, and nothing else.
 */
export function grantPublishEvents(role: iam.IRole): void {
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      conditions: { StringEquals: { 'events:source': DEPLOYMENT_EVENT_SOURCE } },
    }),
  );
}
