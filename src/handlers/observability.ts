import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE } from '../ports/deployment-metrics.js';

/*
 * Powertools for every control-plane Lambda: one Logger (also the workflow's Log port), one
 * Tracer (the SDK clients and each invocation) and one Metrics (namespace Breakwater), built once
 * per container. The embedded engine runs the same handlers in-process: there the Logger is
 * silent unless POWERTOOLS_LOG_LEVEL asks otherwise, and the Tracer is off, so `npm start` and the
 * tests neither print JSON logs nor try to send X-Ray segments.
 */

export const SERVICE_NAME = 'breakwater';

export interface Observability {
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly metrics: Metrics;
}

/**
 * Builds the Powertools utilities for an environment.
 *
 * @example
 * const { logger } = createObservability({ AWS_LAMBDA_FUNCTION_NAME: 'x', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
 */
export function createObservability(env: NodeJS.ProcessEnv = process.env): Observability {
  const inLambda = env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  // In Lambda the level comes from POWERTOOLS_LOG_LEVEL (or Lambda's own log level); elsewhere
  // the handlers are quiet unless asked.
  const logLevel = inLambda ? undefined : ((env.POWERTOOLS_LOG_LEVEL ?? 'SILENT') as LogLevel);
  const logger = new Logger({ serviceName: SERVICE_NAME, ...(logLevel ? { logLevel } : {}) });
  return {
    logger,
    tracer: new Tracer({ serviceName: SERVICE_NAME, enabled: inLambda }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, logger }),
  };
}

let container: Observability | undefined;

/**
 * The container's utilities (silent and untraced outside Lambda), built on first use rather than
 * at import, so importing a handler reads nothing from the environment.
 */
export function containerObservability(): Observability {
  container ??= createObservability();
  return container;
}

/**
 * The Lambda context on every log line (request id, function, cold start) and a trace segment
 * per invocation; keys appended during an invocation are dropped when it ends.
 */
export function observe<E = unknown, R = unknown>(
  o: Pick<Observability, 'logger' | 'tracer'> = containerObservability(),
): MiddlewareObj<E, R, Error, Context>[] {
  return [
    injectLambdaContext(o.logger, { resetKeys: true }) as MiddlewareObj<E, R, Error, Context>,
    // Responses stay out of the trace: API bodies and step outputs can exceed a segment's 64 KB.
    captureLambdaHandler(o.tracer, { captureResponse: false }) as MiddlewareObj<E, R, Error, Context>,
  ];
}

/** The keys every log line of a step carries, read from its parsed input. */
export function deploymentKeysOf(input: unknown): Record<string, string | number | number[]> {
  if (typeof input !== 'object' || input === null) return {};
  const event = input as Record<string, unknown>;
  const request = event.request as Record<string, unknown> | undefined;
  const deploymentId = event.deploymentId ?? request?.deploymentId ?? event.executionName;
  const target = event.targetIndex ?? event.targets;
  return {
    ...(typeof deploymentId === 'string' ? { deploymentId } : {}),
    ...(typeof event.waveIndex === 'number' ? { wave: event.waveIndex } : {}),
    ...(typeof target === 'number' || Array.isArray(target) ? { target: target as number | number[] } : {}),
  };
}

/**
 * Appends `deploymentId`, `wave` and `target` (indexes in the pipeline, as the state machine
 * passes them) to the Logger for this invocation. Runs after the input is parsed.
 */
export function deploymentKeys(logger: Logger): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: (request) => {
      logger.appendKeys(deploymentKeysOf(request.event));
    },
  };
}
