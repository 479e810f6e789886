import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createDocumentClient, DynamoDeploymentStore } from '../../src/adapters/aws/dynamodb-store.js';
import { PowertoolsDeploymentMetrics } from '../../src/adapters/aws/emf-metrics.js';
import { EventBridgePublisher } from '../../src/adapters/aws/eventbridge-publisher.js';
import { ScopedClientProvider } from '../../src/adapters/aws/scoped-clients.js';
import { containerObservability } from '../../src/handlers/observability.js';
import { systemClock } from '../../src/ports/clock.js';
import { type StepDeps, unwiredPort } from '../../src/workflow/deps.js';
import type { StepPorts } from './aws-ports.js';
import { readLambdaEnv } from './env.js';

/*
 * The composition root for step Lambdas on AWS: SDK clients built once per container (module
 * scope), never inside a handler. Each step names the target-account ports it uses (aws-ports.ts)
 * and the others stay out of its bundle. Nothing is built when a module is imported: the first
 * invocation builds it, and a missing environment variable fails that invocation with its name.
 */

/**
 * The deps of a step Lambda with the given target-account ports (the ones its entry of the step
 * catalog names); built once, on the first invocation.
 *
 * @example export const handler = createHandler(lambdaDeps({ router: trafficRouter }));
 */
export function lambdaDeps(ports: StepPorts = {}): () => StepDeps {
  let built: StepDeps | undefined;
  const deps = (): StepDeps => {
    built ??= buildDeps(ports);
    return built;
  };
  return deps;
}

function buildDeps(ports: StepPorts): StepDeps {
  const env = readLambdaEnv();
  const { logger, tracer, metrics } = containerObservability();
  // Every SDK call is a subsegment of the invocation's trace (the Tracer is off outside Lambda).
  const clients = new ScopedClientProvider({
    homeAccount: env.HOME_ACCOUNT_ID,
    roleArnTemplate: env.TARGET_ROLE_ARN_TEMPLATE,
    ...ports.router?.clients,
    ...ports.alarms?.clients,
    ...ports.metrics?.clients,
    ...ports.hooks?.clients,
    traceClient: (client) => tracer.captureAWSv3Client(client),
  });
  return {
    store: new DynamoDeploymentStore({
      client: tracer.captureAWSv3Client(createDocumentClient()),
      tableName: env.TABLE_NAME,
      clock: systemClock,
    }),
    router: ports.router?.build(clients) ?? unwiredPort('router'),
    alarms: ports.alarms?.build(clients) ?? unwiredPort('alarms'),
    metrics: ports.metrics?.build(clients) ?? unwiredPort('metrics'),
    ...(ports.hooks ? { hooks: ports.hooks.build(clients) } : {}),
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
}
