import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AwsClientProvider } from '../../src/adapters/aws/clients.js';
import { CloudWatchAlarmSource } from '../../src/adapters/aws/cloudwatch-alarms.js';
import { CloudWatchMetricSource } from '../../src/adapters/aws/cloudwatch-metrics.js';
import { createDocumentClient, DynamoDeploymentStore } from '../../src/adapters/aws/dynamodb-store.js';
import { PowertoolsDeploymentMetrics } from '../../src/adapters/aws/emf-metrics.js';
import { EventBridgePublisher } from '../../src/adapters/aws/eventbridge-publisher.js';
import { LambdaHookInvoker } from '../../src/adapters/aws/lambda-hooks.js';
import { LambdaTrafficRouter } from '../../src/adapters/aws/lambda-router.js';
import { containerObservability } from '../../src/handlers/observability.js';
import { systemClock } from '../../src/ports/clock.js';
import type { StepDeps } from '../../src/workflow/deps.js';
import { readLambdaEnv } from './env.js';
import { FUNCTION_UPDATE_WAIT_SECONDS } from './step-timeouts.js';

/*
 * The composition root for the step and alarm-state Lambdas on AWS: the environment checked
 * with zod and the SDK clients built once per container, never per invocation. The entry files
 * (functions/steps/*.ts) build it on their first invocation, so a missing environment variable
 * fails that invocation with the variable's name; nothing is built when a module is imported.
 */
let built: StepDeps | undefined;

export function lambdaDeps(): StepDeps {
  if (built) return built;
  const env = readLambdaEnv();
  const { logger, tracer, metrics } = containerObservability();
  // Every SDK call is a subsegment of the invocation's trace (the Tracer is off outside Lambda).
  const clients = new AwsClientProvider({
    homeAccount: env.HOME_ACCOUNT_ID,
    roleArnTemplate: env.TARGET_ROLE_ARN_TEMPLATE,
    traceClient: (client) => tracer.captureAWSv3Client(client),
  });
  const deps: StepDeps = {
    store: new DynamoDeploymentStore({
      client: tracer.captureAWSv3Client(createDocumentClient()),
      tableName: env.TABLE_NAME,
      clock: systemClock,
    }),
    // Each of its two waits (code update, new version Active) ends within the Lambda timeout.
    router: new LambdaTrafficRouter(clients, { maxWaitSeconds: FUNCTION_UPDATE_WAIT_SECONDS }),
    alarms: new CloudWatchAlarmSource(clients),
    metrics: new CloudWatchMetricSource(clients),
    hooks: new LambdaHookInvoker(clients),
    clock: systemClock,
    // The Logger itself: its lines carry the keys the handler middleware appends (deploymentId...).
    log: logger,
    deploymentMetrics: new PowertoolsDeploymentMetrics(metrics),
    organisationAlarms: env.ORGANISATION_ALARMS,
    ...(env.EVENT_BUS_NAME
      ? {
          events: new EventBridgePublisher({
            client: tracer.captureAWSv3Client(new EventBridgeClient({})),
            busName: env.EVENT_BUS_NAME,
            source: env.EVENT_SOURCE,
          }),
        }
      : {}),
  };
  built = deps;
  return deps;
}
