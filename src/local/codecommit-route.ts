import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  CODECOMMIT_REFERENCE_PATTERN,
  type CodeCommitEvent,
  CodeCommitEventSchema,
  explainNoStart,
} from '../api/codecommit.js';
import type { TriggerDeps } from '../api/deps.js';
import { UnprocessableError, UnsupportedMediaTypeError } from '../api/errors.js';
import { parseRequest } from '../api/schemas.js';
import { InvalidInputError } from '../core/errors.js';
import { createCodeCommitHandler } from '../handlers/codecommit.js';
import { type ApiEvent, type ApiResult, httpMiddlewares, json, rawBody } from '../handlers/http.js';
import { matchesEventPattern } from './event-pattern.js';
import { localLambdaContext } from './lambda-context.js';

/*
 * POST /triggers/codecommit, on the local control plane only: what EventBridge does on AWS for a
 * CodeCommit push. The body is the "CodeCommit Repository State Change" event as EventBridge
 * delivers it; it must match the CDK rule's pattern (CODECOMMIT_REFERENCE_PATTERN, checked with
 * the embedded bus's matcher), and then goes to the very handler the CodeCommit Lambda runs. Unlike
 * EventBridge, the caller hears what happened: the deployments started, or why none was.
 */

/** Where the route answers (token-authenticated like the API). */
export const CODECOMMIT_ROUTE = '/triggers/codecommit';

const CONTEXT = localLambdaContext('breakwater-CodeCommitTrigger');

/**
 * The route's handler (API Gateway proxy events, as the local server makes them).
 *
 * @example createLocalServer({ ..., localRoutes: { [CODECOMMIT_ROUTE]: createCodeCommitRoute(deps) } })
 */
export function createCodeCommitRoute(
  deps: TriggerDeps,
): MiddyfiedHandler<ApiEvent, ApiResult, Error, Context> {
  const trigger = createCodeCommitHandler(deps);
  return middy<ApiEvent, ApiResult, Error, Context>()
    .use(httpMiddlewares(deps.log))
    .handler(async (request) => {
      if (request.httpMethod !== 'POST') {
        return json(
          405,
          { error: `${request.httpMethod} is not allowed on ${CODECOMMIT_ROUTE}: POST an event` },
          {
            Allow: 'POST',
          },
        );
      }
      const event = parseRequest(CodeCommitEventSchema, readJson(request), 'body');
      refuseUndelivered(event);
      const result = await trigger(event, CONTEXT);
      if ('ignored' in result) return json(200, result);
      if (result.deployments.length > 0) return json(202, result);
      const reason =
        result.skipped.length > 0
          ? result.skipped.map((s) => `${s.pipeline}: ${s.reason}`).join('; ')
          : explainNoStart(event, await deps.store.listPipelines());
      return json(200, { ...result, reason });
    });
}

function readJson(request: ApiEvent): unknown {
  const type = request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new UnsupportedMediaTypeError(
      `content type ${type === undefined ? 'none' : JSON.stringify(type)} is not accepted: send application/json`,
    );
  }
  try {
    return JSON.parse(rawBody(request).toString('utf8'));
  } catch (error) {
    throw new InvalidInputError('request body', [
      { path: '', message: `expected a JSON document (${(error as Error).message})` },
    ]);
  }
}

/**
 * A 422 for an event the CDK rule would never deliver, saying which part of the pattern it misses:
 * on AWS the handler would not even see it.
 */
function refuseUndelivered(event: CodeCommitEvent): void {
  if (matchesEventPattern(CODECOMMIT_REFERENCE_PATTERN, event)) return;
  const { event: kind, referenceType } = CODECOMMIT_REFERENCE_PATTERN.detail;
  const misses = [
    ...((kind as readonly string[]).includes(event.detail.event)
      ? []
      : [`detail.event is ${JSON.stringify(event.detail.event)}, expected one of ${kind.join(', ')}`]),
    ...((referenceType as readonly string[]).includes(event.detail.referenceType ?? '')
      ? []
      : [`detail.referenceType is ${JSON.stringify(event.detail.referenceType ?? null)}, expected branch`]),
  ];
  throw new UnprocessableError(
    `the CodeCommit rule would not deliver this event (${misses.join('; ') || 'it does not match the rule pattern'}): nothing started`,
  );
}
