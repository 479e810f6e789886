import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as core from 'zod/v4/core';
import { parseOrThrow } from '../core/validation.js';
import { containerObservability, deploymentKeys, type Observability, observe } from './observability.js';

/**
 * Parses the event with a zod schema before the handler runs. A bad input fails with
 * InvalidInputError naming each path, which the state machines treat as terminal.
 */
export function parseEvent<S extends core.$ZodType>(
  schema: S,
  what: string,
): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: (request) => {
      request.event = parseOrThrow(schema, request.event, what);
    },
  };
}

/**
 * A Step Functions task handler: parse (zod) → call → return. The error's `name` reaches Step
 * Functions as the error type, so Retry/Catch can match ThrottledError, InvalidInputError...
 * Every log line of the invocation carries the Lambda context and the input's `deploymentId`,
 * `wave` and `target`; the invocation is traced (in Lambda).
 *
 * @example export const handler = stepHandler(WaveInput, 'StartWave input', (input) => startWave(deps(), input));
 */
export function stepHandler<S extends core.$ZodType, R>(
  schema: S,
  what: string,
  run: (input: core.output<S>) => Promise<R>,
  o: Pick<Observability, 'logger' | 'tracer'> = containerObservability(),
) {
  return middy<unknown, R, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(observe(o))
    .use(parseEvent(schema, what))
    .use(deploymentKeys(o.logger))
    .handler(async (event) => run(event as core.output<S>));
}
