import * as z from 'zod';
import { PipelineSchema } from '../core/pipeline.js';
import { MAX_METRICS_DAYS } from './metrics.js';
import { MAX_PAGE_SIZE } from './schemas.js';

/*
 * The OpenAPI 3.1 document of the API, generated from the zod schemas the handlers parse with
 * (schemas.ts, and the pipeline schema for PUT). `API_OPERATIONS` is the route table the
 * document describes; a test checks it against the routes the router actually serves.
 */

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly description: string;
  readonly schema: Record<string, unknown>;
}

interface Operation {
  readonly method: Method;
  /** OpenAPI path template, e.g. `/deployments/{id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: 'pipelines' | 'deployments' | 'blockers' | 'webhooks' | 'meta';
  readonly parameters?: readonly Parameter[];
  /** Component name of the JSON request body, or the names of the bodies it may be. */
  readonly body?: string | readonly string[];
  /** Status → description and component name of the JSON body (none for 204). */
  readonly responses: Readonly<
    Record<number, { readonly description: string; readonly schema?: string; readonly list?: boolean }>
  >;
  /** Served by the GitHub webhook Lambda rather than the API router. */
  readonly handler?: 'github-webhook';
  /** Authentication other than SigV4 (the API's default). */
  readonly security?: 'github-hmac';
}

const nameParam: Parameter = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'Pipeline name.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$' },
};
const deploymentIdParam: Parameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Deployment id.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$' },
};
const blockerIdParam: Parameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Blocker id (as returned when it was created).',
  schema: { type: 'string', minLength: 1, maxLength: 200 },
};

const changeParam: Parameter = {
  name: 'change',
  in: 'path',
  required: true,
  description: 'Change id (commit sha or build id), URL-encoded.',
  schema: { type: 'string', minLength: 1, maxLength: 200 },
};

const invalid = {
  description:
    'Invalid request: `issues` lists every problem with its path (a query parameter the route does not take is one).',
  schema: 'Error',
};
const notFound = { description: 'No such pipeline, deployment or blocker.', schema: 'Error' };
const conflict = { description: 'Conflict; for a deployment, `status` is its status now.', schema: 'Error' };

/** Every operation of the API, in documentation order. */
export const API_OPERATIONS: readonly Operation[] = [
  {
    method: 'GET',
    path: '/pipelines',
    operationId: 'listPipelines',
    summary: 'Every registered pipeline (latest version of each).',
    tag: 'pipelines',
    responses: { 200: { description: 'The pipelines.', schema: 'PipelineRecord', list: true }, 400: invalid },
  },
  {
    method: 'GET',
    path: '/pipelines/{name}',
    operationId: 'getPipeline',
    summary: 'A pipeline: its latest version, or the version asked for.',
    tag: 'pipelines',
    parameters: [
      nameParam,
      {
        name: 'version',
        in: 'query',
        required: false,
        description: 'A registered version (1, 2, ...); latest when absent.',
        schema: { type: 'string', pattern: '^\\d+$' },
      },
    ],
    responses: {
      200: { description: 'The pipeline record.', schema: 'PipelineRecord' },
      400: invalid,
      404: notFound,
    },
  },
  {
    method: 'PUT',
    path: '/pipelines/{name}',
    operationId: 'registerPipeline',
    summary:
      'Validates a pipeline document (or a record as GET returns it) and registers it as the next version, unless it is the latest one.',
    tag: 'pipelines',
    parameters: [nameParam],
    body: ['PipelineDocument', 'PipelineRecord'],
    responses: {
      200: {
        description: 'Nothing changed: the definition is the latest version, returned as is.',
        schema: 'PipelineRecord',
      },
      201: { description: 'The version registered.', schema: 'PipelineRecord' },
      400: invalid,
    },
  },
  {
    method: 'GET',
    path: '/pipelines/{name}/deployments',
    operationId: 'listPipelineDeployments',
    summary: "A page of the pipeline's deployments, newest first.",
    tag: 'deployments',
    parameters: [
      nameParam,
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: `Page size, 1-${MAX_PAGE_SIZE} (default 25).`,
        schema: { type: 'string', pattern: '^\\d+$' },
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        description: '`nextCursor` of the previous page.',
        schema: { type: 'string' },
      },
    ],
    responses: {
      200: { description: 'One page; `nextCursor` when there are more.', schema: 'Deployment', list: true },
      400: invalid,
      404: notFound,
    },
  },
  {
    method: 'POST',
    path: '/pipelines/{name}/deployments',
    operationId: 'startDeployment',
    summary: 'Starts a deployment of a change by hand (asynchronously).',
    tag: 'deployments',
    parameters: [nameParam],
    body: 'StartDeploymentRequest',
    responses: {
      202: { description: 'Started; poll GET /deployments/{deploymentId}.', schema: 'StartedDeployment' },
      400: invalid,
      404: notFound,
      409: {
        description: 'The change is vetoed on this pipeline: the message names the veto and how to lift it.',
        schema: 'Error',
      },
    },
  },
  {
    method: 'POST',
    path: '/pipelines/{name}/changes/{change}/veto',
    operationId: 'vetoChange',
    summary:
      'Marks a change bad: its running deployments roll back, triggers and hand starts refuse it. Repeating it while the veto is in force keeps that veto and applies it again.',
    tag: 'pipelines',
    parameters: [nameParam, changeParam],
    body: 'VetoRequest',
    responses: {
      200: { description: 'Already vetoed: the veto in force, applied again.', schema: 'VetoResult' },
      201: { description: 'Vetoed.', schema: 'VetoResult' },
      400: invalid,
      404: notFound,
    },
  },
  {
    method: 'POST',
    path: '/pipelines/{name}/changes/{change}/veto/lift',
    operationId: 'liftVeto',
    summary:
      'Lifts the veto of a change (recorded): it may start again. Rollbacks the veto began are not undone.',
    tag: 'pipelines',
    parameters: [nameParam, changeParam],
    body: 'LiftVetoRequest',
    responses: {
      200: { description: 'Lifted (or already lifted: `lifted: false`).', schema: 'VetoResult' },
      400: invalid,
      404: { description: 'No such pipeline, or the change was never vetoed.', schema: 'Error' },
    },
  },
  {
    method: 'GET',
    path: '/pipelines/{name}/vetoes',
    operationId: 'listVetoes',
    summary: 'Every change of the pipeline ever vetoed, in force or lifted, with its history.',
    tag: 'pipelines',
    parameters: [nameParam],
    responses: {
      200: { description: 'The vetoes, latest decision first.', schema: 'Veto', list: true },
      400: invalid,
      404: notFound,
    },
  },
  {
    method: 'GET',
    path: '/deployments/{id}',
    operationId: 'getDeployment',
    summary: 'A deployment: waves, targets and weights, bakes, alarms, blockers, timeline, overrides.',
    tag: 'deployments',
    parameters: [deploymentIdParam],
    responses: {
      200: { description: 'The deployment.', schema: 'DeploymentDetail' },
      400: invalid,
      404: notFound,
    },
  },
  {
    method: 'POST',
    path: '/deployments/{id}/stop',
    operationId: 'stopDeployment',
    summary: 'Asks a running deployment to stop; the workflow rolls it back.',
    tag: 'deployments',
    parameters: [deploymentIdParam],
    body: 'StopDeploymentRequest',
    responses: {
      202: { description: 'Stop requested.', schema: 'Deployment' },
      400: invalid,
      404: notFound,
      409: conflict,
    },
  },
  {
    method: 'POST',
    path: '/deployments/{id}/rollback',
    operationId: 'rollBackRelease',
    summary:
      'Rolls back a release that had succeeded: every target it moved back to the version it served before, at once or wave by wave in reverse order.',
    tag: 'deployments',
    parameters: [deploymentIdParam],
    body: 'ReleaseRollbackRequest',
    responses: {
      202: {
        description:
          'Recorded and started; poll GET /deployments/{id} (status rolling_back, then rolled_back).',
        schema: 'ReleaseRollbackStarted',
      },
      400: invalid,
      404: notFound,
      409: {
        description:
          'Not a succeeded release (`status`), or a newer deployment has changed some targets since (`conflicts`; send `force` and `leave`).',
        schema: 'Error',
      },
    },
  },
  {
    method: 'POST',
    path: '/deployments/{id}/expedite/approve',
    operationId: 'approveExpedite',
    summary: 'Approves the expedite request of a running deployment (not by its requester).',
    tag: 'deployments',
    parameters: [deploymentIdParam],
    body: 'ApproveExpediteRequest',
    responses: {
      200: { description: 'Approved.', schema: 'Deployment' },
      400: invalid,
      403: { description: 'The approver is the requester.', schema: 'Error' },
      404: notFound,
      409: conflict,
    },
  },
  {
    method: 'POST',
    path: '/deployments/{id}/overrides',
    operationId: 'overrideBlocker',
    summary: 'Records a decision to go ahead despite one blocker of a running deployment.',
    tag: 'deployments',
    parameters: [deploymentIdParam],
    body: 'OverrideRequest',
    responses: {
      201: { description: 'Recorded (and put on the timeline).', schema: 'Override' },
      400: invalid,
      404: notFound,
      409: conflict,
      422: { description: 'An alarm blocker overridden without `fixesAlarm: true`.', schema: 'Error' },
    },
  },
  {
    method: 'GET',
    path: '/pipelines/{name}/metrics',
    operationId: 'getPipelineMetrics',
    summary:
      'Delivery metrics of the pipeline over a period: deployment frequency, lead time, change failure rate, time to restore, time held by blockers.',
    tag: 'pipelines',
    parameters: [
      nameParam,
      {
        name: 'from',
        in: 'query',
        required: false,
        description: 'Start of the period, inclusive (ISO 8601); default: 30 days before `to`.',
        schema: { type: 'string', format: 'date-time' },
      },
      {
        name: 'to',
        in: 'query',
        required: false,
        description: `End of the period, exclusive (ISO 8601); default: now. At most ${MAX_METRICS_DAYS} days after \`from\`.`,
        schema: { type: 'string', format: 'date-time' },
      },
      {
        name: 'bucket',
        in: 'query',
        required: false,
        description:
          'The series per `day` or per `week` (Monday, UTC); default: day up to 62 days, else week.',
        schema: { type: 'string', enum: ['day', 'week'] },
      },
    ],
    responses: {
      200: { description: 'The figures (definitions in docs/metrics.md).', schema: 'DeliveryMetrics' },
      400: invalid,
      404: notFound,
    },
  },
  {
    method: 'GET',
    path: '/blockers',
    operationId: 'listBlockers',
    summary: 'Every manual blocker.',
    tag: 'blockers',
    responses: { 200: { description: 'The blockers.', schema: 'Blocker', list: true }, 400: invalid },
  },
  {
    method: 'POST',
    path: '/blockers',
    operationId: 'createBlocker',
    summary: 'Blocks matching waves from starting (never a rollback).',
    tag: 'blockers',
    body: 'CreateBlockerRequest',
    responses: { 201: { description: 'The blocker.', schema: 'Blocker' }, 400: invalid, 409: conflict },
  },
  {
    method: 'DELETE',
    path: '/blockers/{id}',
    operationId: 'removeBlocker',
    summary: 'Removes a manual blocker.',
    tag: 'blockers',
    parameters: [blockerIdParam],
    responses: { 204: { description: 'Removed.' }, 400: invalid, 404: notFound },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document.',
    tag: 'meta',
    responses: { 200: { description: 'The OpenAPI 3.1 document.' }, 400: invalid },
  },
  {
    method: 'POST',
    path: '/webhooks/github',
    operationId: 'githubWebhook',
    summary: 'GitHub webhook: a push to a pipeline source branch starts a deployment of the commit.',
    tag: 'webhooks',
    handler: 'github-webhook',
    security: 'github-hmac',
    parameters: [
      {
        name: 'X-Hub-Signature-256',
        in: 'header',
        required: true,
        description: 'HMAC-SHA256 of the raw body with the webhook secret: `sha256=<hex>`.',
        schema: { type: 'string' },
      },
      {
        name: 'X-GitHub-Event',
        in: 'header',
        required: true,
        description: '`push` and `ping` are acted on; others are ignored.',
        schema: { type: 'string' },
      },
      {
        name: 'X-GitHub-Delivery',
        in: 'header',
        required: true,
        description:
          'Delivery id (logged). Deployments are named by what was pushed, so the same push under any delivery id never starts a second deployment.',
        schema: { type: 'string' },
      },
    ],
    responses: {
      200: {
        description:
          '`ping` answered, or a push whose every deployment already exists (each `duplicate: true`).',
        schema: 'GithubWebhookResult',
      },
      202: { description: 'Deployments started (or the event ignored).', schema: 'GithubWebhookResult' },
      400: invalid,
      401: { description: 'Missing or wrong signature: nothing started.', schema: 'Error' },
      413: { description: 'Body larger than MAX_BODY_BYTES.', schema: 'Error' },
      415: {
        description:
          'Content type other than application/json or application/x-www-form-urlencoded (JSON in `payload`).',
        schema: 'Error',
      },
    },
  },
];

const COMMON_ERRORS: Readonly<Record<number, { readonly description: string; readonly schema: string }>> = {
  413: { description: 'Body larger than the limit (MAX_BODY_BYTES).', schema: 'Error' },
  500: { description: 'Internal error; only a request id is returned.', schema: 'Error' },
};

/** JSON Schema components: every schema with a meta id, plus the pipeline document. */
function components(): Record<string, unknown> {
  const registry = z.toJSONSchema(z.globalRegistry, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const schemas: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(registry.schemas)) schemas[id] = withoutRootKeywords(schema);
  schemas.PipelineDocument = withoutRootKeywords(
    z.toJSONSchema(PipelineSchema, { io: 'input', unrepresentable: 'any' }),
  );
  return schemas;
}

function withoutRootKeywords(schema: object): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Builds the OpenAPI 3.1 document of the API (served at GET /openapi.json).
 *
 * @example const doc = buildOpenApiDocument(); doc.paths['/deployments/{id}'].get.operationId // 'getDeployment'
 */
export function buildOpenApiDocument(): Record<string, unknown> & {
  paths: Record<string, Record<string, unknown>>;
} {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of API_OPERATIONS) {
    const responses: Record<string, unknown> = {};
    const all = {
      ...op.responses,
      ...(op.body || op.handler ? { 413: COMMON_ERRORS[413] } : {}),
      500: COMMON_ERRORS[500],
    };
    for (const [status, response] of Object.entries(all)) {
      if (!response) continue;
      const schema = response.schema
        ? 'list' in response && response.list
          ? {
              type: 'object',
              properties: {
                items: { type: 'array', items: ref(response.schema) },
                nextCursor: { type: 'string' },
              },
              required: ['items'],
            }
          : ref(response.schema)
        : undefined;
      responses[status] = {
        description: response.description,
        ...(schema ? { content: { 'application/json': { schema } } } : {}),
      };
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method.toLowerCase()] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      ...(op.parameters ? { parameters: op.parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: typeof op.body === 'string' ? ref(op.body) : { oneOf: op.body.map(ref) },
                },
              },
            },
          }
        : {}),
      ...(op.security === 'github-hmac' ? { security: [] } : {}),
      ...(op.handler ? { 'x-breakwater-handler': op.handler } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Breakwater API',
      version: '1',
      description:
        'Queries and commands of the Breakwater control plane. On AWS every route except the GitHub webhook ' +
        'is authorized with IAM (SigV4); locally, with a bearer token.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    tags: [
      { name: 'pipelines' },
      { name: 'deployments' },
      { name: 'blockers' },
      { name: 'webhooks' },
      { name: 'meta' },
    ],
    security: [{ sigv4: [] }, { bearer: [] }],
    paths,
    components: {
      schemas: components(),
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (execute-api), as `breakwater --endpoint` signs.',
        },
        bearer: { type: 'http', scheme: 'bearer', description: 'The local server token.' },
      },
    },
  };
}
