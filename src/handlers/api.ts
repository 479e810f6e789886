import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpRouterHandler, { type Route } from '@middy/http-router';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { type ActorField, actAs, signedInPerson } from '../api/actor.js';
import { createBlocker, listBlockers, removeBlocker } from '../api/blockers.js';
import {
  approveExpedite,
  getDeploymentDetail,
  overrideBlocker,
  startDeploymentByHand,
  stopDeployment,
} from '../api/deployments.js';
import type { ApiDeps } from '../api/deps.js';
import { getDeliveryMetrics } from '../api/metrics.js';
import { buildOpenApiDocument } from '../api/openapi.js';
import { getPipeline, listPipelineDeployments, listPipelines, registerPipeline } from '../api/pipelines.js';
import { rollBackReleaseByHand } from '../api/release-rollback.js';
import {
  ApproveExpediteBodySchema,
  BlockerIdSchema,
  ChangeIdSchema,
  CreateBlockerBodySchema,
  DeploymentIdSchema,
  GetPipelineQuerySchema,
  LiftVetoBodySchema,
  ListDeploymentsQuerySchema,
  MetricsQuerySchema,
  NoQuerySchema,
  OverrideBodySchema,
  PipelineNameSchema,
  parseQuery,
  parseRequest,
  ReleaseRollbackBodySchema,
  StartBodySchema,
  StopBodySchema,
  VetoBodySchema,
} from '../api/schemas.js';
import { liftVeto, listVetoes, vetoChange } from '../api/vetoes.js';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { type ApiEvent, type ApiResult, httpMiddlewares, json } from './http.js';
import { observe } from './observability.js';

/*
 * The API handler: every route except the GitHub webhook (./github-webhook.ts). The API Lambda
 * (functions/api/router.ts) and the local server (src/cli/serve.ts) both run it.
 * Each route is parse (zod) → call a service in src/api → return; the rules live in the services.
 */

export interface ApiHandlerOptions {
  /** Largest request body accepted (413 above). @default 1_048_576 */
  readonly maxBodyBytes?: number;
  /**
   * The hosted console's origin: every answer carries `Access-Control-Allow-Origin` for it, so
   * the dashboard on CloudFront can read what the console API (another origin) returns.
   * @default undefined (no CORS header: same-origin callers, the CLI)
   */
  readonly allowOrigin?: string;
}

type RouteHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

/** A route whose body is JSON: parsed (415 for another content type, 400 for malformed JSON). */
function withJsonBody(handler: RouteHandler): RouteHandler {
  return middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use({
      onError: (request) => {
        // Malformed JSON is the caller's input problem: a 400 with the usual issue list.
        const error = request.error as (Error & { cause?: { package?: string; message?: string } }) | null;
        if (error?.cause?.package === '@middy/http-json-body-parser' && error.message.startsWith('Invalid')) {
          throw invalidJson(error.cause.message);
        }
      },
    })
    .use(httpJsonBodyParser())
    .handler(handler);
}

function invalidJson(detail: string | undefined): InvalidInputError {
  return new InvalidInputError('request body', [
    { path: '', message: `expected a JSON document${detail ? ` (${detail})` : ''}` },
  ]);
}

/** Path parameters, decoded and validated: an issue is reported as `path.<name>`. */
function pathParams<S extends z.ZodRawShape>(event: ApiEvent, shape: S): z.output<z.ZodObject<S>> {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) raw[key] = decode(event.pathParameters?.[key]);
  return parseRequest(z.object(shape), raw, 'path');
}

function decode(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Refuses any query parameter on a route that takes none (400 naming it). */
function noQuery(event: ApiEvent): void {
  parseQuery(NoQuerySchema, event.queryStringParameters);
}

/**
 * Who made the request: the person signed in to the hosted console (Cognito claims), else the
 * IAM principal that signed it (API Gateway fills it for SigV4 callers).
 */
function caller(event: ApiEvent): string | undefined {
  return signedInOf(event) ?? event.requestContext?.identity?.userArn ?? undefined;
}

/** The person signed in to the hosted console; undefined for IAM and local-token callers. */
function signedInOf(event: ApiEvent): string | undefined {
  return signedInPerson(event.requestContext?.authorizer?.claims);
}

/** The body with its actor field set to the signed-in person (src/api/actor.ts); 403 for another name. */
function actorBody(event: ApiEvent, field: ActorField): unknown {
  return actAs(event.body, field, signedInOf(event));
}

/**
 * The routes the API serves, each a thin handler over a service of src/api.
 *
 * @example apiRoutes(deps).map((r) => `${r.method} ${r.path}`)
 */
export function apiRoutes(deps: ApiDeps): Route<ApiEvent, ApiResult>[] {
  const openApi = JSON.stringify(buildOpenApiDocument());
  return [
    {
      method: 'GET',
      path: '/pipelines',
      handler: async (event: ApiEvent) => {
        noQuery(event);
        return json(200, await listPipelines(deps));
      },
    },
    {
      method: 'GET',
      path: '/pipelines/{name}',
      handler: async (event: ApiEvent) => {
        const { name } = pathParams(event, { name: PipelineNameSchema });
        const { version } = parseQuery(GetPipelineQuerySchema, event.queryStringParameters);
        return json(200, await getPipeline(deps, name, version));
      },
    },
    {
      method: 'PUT',
      path: '/pipelines/{name}',
      handler: withJsonBody(async (event) => {
        noQuery(event);
        const { name } = pathParams(event, { name: PipelineNameSchema });
        const { record, changed } = await registerPipeline(deps, name, event.body, caller(event));
        const location = `/pipelines/${encodeURIComponent(name)}?version=${record.version}`;
        return changed
          ? json(201, record, { Location: location })
          : json(200, record, { 'Content-Location': location });
      }),
    },
    {
      method: 'GET',
      path: '/pipelines/{name}/deployments',
      handler: async (event: ApiEvent) => {
        const { name } = pathParams(event, { name: PipelineNameSchema });
        const page = parseQuery(ListDeploymentsQuerySchema, event.queryStringParameters);
        return json(200, await listPipelineDeployments(deps, name, page));
      },
    },
    {
      method: 'POST',
      path: '/pipelines/{name}/deployments',
      handler: withJsonBody(async (event) => {
        noQuery(event);
        const { name } = pathParams(event, { name: PipelineNameSchema });
        const body = parseRequest(StartBodySchema, actorBody(event, 'requestedBy'), 'body');
        const started = await startDeploymentByHand(deps, name, body);
        return json(202, started, { Location: `/deployments/${started.deploymentId}` });
      }),
    },
    {
      method: 'POST',
      path: '/pipelines/{name}/changes/{change}/veto',
      handler: withJsonBody(async (event) => {
        noQuery(event);
        const { name, change } = pathParams(event, { name: PipelineNameSchema, change: ChangeIdSchema });
        const body = parseRequest(VetoBodySchema, actorBody(event, 'by'), 'body');
        const result = await vetoChange(deps, name, change, body);
        return json(result.created ? 201 : 200, result);
      }),
    },
    {
      method: 'POST',
      path: '/pipelines/{name}/changes/{change}/veto/lift',
      handler: withJsonBody(async (event) => {
        noQuery(event);
        const { name, change } = pathParams(event, { name: PipelineNameSchema, change: ChangeIdSchema });
        const body = parseRequest(LiftVetoBodySchema, actorBody(event, 'by'), 'body');
        return json(200, await liftVeto(deps, name, change, body));
      }),
    },
    {
      method: 'GET',
      path: '/pipelines/{name}/vetoes',
      handler: async (event: ApiEvent) => {
        noQuery(event);
        const { name } = pathParams(event, { name: PipelineNameSchema });
        return json(200, await listVetoes(deps, name));
      },
    },
    {
      method: 'GET',
      path: '/deployments/{id}',
      handler: async (event: ApiEvent) => {
        noQuery(event);
        const { id } = pathParams(event, { id: DeploymentIdSchema });
        return json(200, await getDeploymentDetail(deps, id));
      },
    },
    {
      method: 'POST',
      path: '/deployments/{id}/stop',
      handler: withJsonBody(async (event) => {
        noQuery(event);
        const { id } = pathParams(event, { id: DeploymentIdSchema });
        const body = parseRequest(StopBodySchema, actorBody(event, 'by'), 'body');
        return json(202, await stopDeployment(deps, id, body));
      }),
    },
    {
      method: 'POST',
      path: '/deployments/{id}/rollback',
      handler: withJsonBody(async (event) => {
        noQuery(event);
        const { id } = pathParams(event, { id: DeploymentIdSchema });
        const body = parseRequest(ReleaseRollbackBodySchema, actorBody(event, 'by'), 'body');
        return json(202, await rollBackReleaseByHand(deps, id, body), { Location: `/deployments/${id}` });
      }),
    },
    {
      method: 'POST',
      path: '/deployments/{id}/expedite/approve',
      handler: withJsonBody(async (event) => {
        noQuery(event);
        const { id } = pathParams(event, { id: DeploymentIdSchema });
        const body = parseRequest(ApproveExpediteBodySchema, actorBody(event, 'by'), 'body');
        return json(200, await approveExpedite(deps, id, body));
      }),
    },
    {
      method: 'POST',
      path: '/deployments/{id}/overrides',
      handler: withJsonBody(async (event) => {
        noQuery(event);
        const { id } = pathParams(event, { id: DeploymentIdSchema });
        const body = parseRequest(OverrideBodySchema, actorBody(event, 'by'), 'body');
        return json(201, await overrideBlocker(deps, id, body));
      }),
    },
    {
      method: 'GET',
      path: '/pipelines/{name}/metrics',
      handler: async (event: ApiEvent) => {
        const { name } = pathParams(event, { name: PipelineNameSchema });
        const query = parseQuery(MetricsQuerySchema, event.queryStringParameters);
        return json(200, await getDeliveryMetrics(deps, name, query));
      },
    },
    {
      method: 'GET',
      path: '/blockers',
      handler: async (event: ApiEvent) => {
        noQuery(event);
        return json(200, await listBlockers(deps));
      },
    },
    {
      method: 'POST',
      path: '/blockers',
      handler: withJsonBody(async (event) => {
        noQuery(event);
        const body = parseRequest(CreateBlockerBodySchema, actorBody(event, 'author'), 'body');
        const blocker = await createBlocker(deps, body);
        return json(201, blocker, { Location: `/blockers/${encodeURIComponent(blocker.id)}` });
      }),
    },
    {
      method: 'DELETE',
      path: '/blockers/{id}',
      handler: async (event: ApiEvent) => {
        noQuery(event);
        const { id } = pathParams(event, { id: BlockerIdSchema });
        await removeBlocker(deps, id);
        return { statusCode: 204, headers: {}, body: '' };
      },
    },
    {
      method: 'GET',
      path: '/openapi.json',
      handler: async (event: ApiEvent) => {
        noQuery(event);
        return {
          statusCode: 200,
          headers: { 'Content-Type': 'application/json; charset=utf-8' },
          body: openApi,
        };
      },
    },
  ];
}

/**
 * The API handler for API Gateway REST proxy events (v1): header and event normalizers,
 * security headers, one error handler, the body size limit, then the router.
 *
 * @example
 * const handle = createApiHandler({ store, starter, clock: systemClock, log: silentLog, newId: () => randomUUID() });
 * const response = await handle(event, context);
 */
export function createApiHandler(
  deps: ApiDeps,
  options: ApiHandlerOptions = {},
): MiddyfiedHandler<ApiEvent, ApiResult, Error, Context> {
  const router = httpRouterHandler<ApiEvent, ApiResult>({
    routes: apiRoutes(deps),
    notFoundResponse: ({ method, path }) => {
      throw new NotFoundError(`no route ${method} ${path}`);
    },
  });
  return (
    middy<ApiEvent, ApiResult, Error, Context>()
      // First, so that its `after` and `onError` run last: on whatever answer the others made.
      .use(allowOrigin(options.allowOrigin))
      .use(observe<ApiEvent, ApiResult>())
      .use(httpMiddlewares(deps.log, options.maxBodyBytes))
      .handler(router as unknown as (event: ApiEvent, context: Context) => Promise<ApiResult>)
  );
}

/** Adds the console's CORS header to answers and errors alike (a 403 must be readable too). */
function allowOrigin(origin: string | undefined): MiddlewareObj<ApiEvent, ApiResult> {
  const add = (request: { response: ApiResult | null }) => {
    if (!origin || !request.response) return;
    request.response.headers = {
      ...request.response.headers,
      'Access-Control-Allow-Origin': origin,
      Vary: 'Origin',
    };
  };
  return { after: add, onError: add };
}
