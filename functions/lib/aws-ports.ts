import {
  assumeRoleWithSts,
  createCloudWatchClient,
  createHookLambdaClient,
  createLambdaClient,
} from '../../src/adapters/aws/client-factories.js';
import { CloudWatchAlarmSource } from '../../src/adapters/aws/cloudwatch-alarms.js';
import { CloudWatchMetricSource } from '../../src/adapters/aws/cloudwatch-metrics.js';
import { LambdaHookInvoker } from '../../src/adapters/aws/lambda-hooks.js';
import { LambdaTrafficRouter } from '../../src/adapters/aws/lambda-router.js';
import type { ClientProvider, ScopedClientProviderOptions } from '../../src/adapters/aws/scoped-clients.js';
import type { TargetAccountPort } from '../../src/ports/step-catalog.js';
import type { StepDeps } from '../../src/workflow/deps.js';
import { FUNCTION_UPDATE_WAIT_SECONDS } from './step-timeouts.js';

/*
 * The ports a step reaches in the target accounts, each with the SDK client it needs. A step
 * Lambda names only those its step uses (`lambdaDeps({ router: trafficRouter })`), so its bundle
 * holds no other client: every SDK client, its protocol and models is ~50-150 KB that a cold
 * start would otherwise parse for nothing.
 */

/** The client factories a port's adapter calls on the ClientProvider, and STS for other accounts. */
type ClientFactories = Pick<
  ScopedClientProviderOptions,
  'createLambdaClient' | 'createCloudWatchClient' | 'createHookLambdaClient' | 'assumeRole'
>;

/** A port of StepDeps built on the target accounts' SDK clients. */
export interface PortFactory<K extends TargetAccountPort> {
  readonly clients: ClientFactories;
  readonly build: (clients: ClientProvider) => StepDeps[K];
}

/** What a step Lambda asks for: a factory per port its step uses. */
export type StepPorts = { readonly [K in TargetAccountPort]?: PortFactory<K> };

/** Lambda aliases (PrepareTarget, ShiftWeight, RollBack, RollBackRelease). */
export const trafficRouter: PortFactory<'router'> = {
  clients: { createLambdaClient, assumeRole: assumeRoleWithSts },
  // Each of its two waits (code update, new version Active) ends within the Lambda timeout.
  build: (clients) => new LambdaTrafficRouter(clients, { maxWaitSeconds: FUNCTION_UPDATE_WAIT_SECONDS }),
};

/** CloudWatch alarm states (bakes and blockers). */
export const alarmSource: PortFactory<'alarms'> = {
  clients: { createCloudWatchClient, assumeRole: assumeRoleWithSts },
  build: (clients) => new CloudWatchAlarmSource(clients),
};

/** CloudWatch invocation and error counts (bakes). */
export const metricSource: PortFactory<'metrics'> = {
  clients: { createCloudWatchClient, assumeRole: assumeRoleWithSts },
  build: (clients) => new CloudWatchMetricSource(clients),
};

/** Deployment hooks, invoked as Lambda functions. */
export const hookInvoker: PortFactory<'hooks'> = {
  clients: { createHookLambdaClient, assumeRole: assumeRoleWithSts },
  build: (clients) => new LambdaHookInvoker(clients),
};
