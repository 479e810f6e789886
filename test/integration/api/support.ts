import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { ConflictError } from '../../../src/core/errors.js';
import type { StartRequest } from '../../../src/core/start-request.js';
import type { Clock } from '../../../src/ports/clock.js';
import type { Log } from '../../../src/ports/log.js';
import type { DeploymentStore } from '../../../src/ports/store.js';
import type { WorkflowStarter } from '../../../src/ports/workflow.js';

/** An API Gateway REST (v1) proxy event, as the `{proxy+}` resource delivers it. */
export function apiEvent(options: {
  method: string;
  path: string;
  body?: unknown;
  rawBody?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
}): APIGatewayProxyEvent {
  const body = options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body));
  return {
    httpMethod: options.method,
    path: options.path,
    resource: '/{proxy+}',
    pathParameters: { proxy: options.path.slice(1) },
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    headers: {
      Host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      ...(body !== null ? { 'Content-Type': 'application/json' } : {}),
      ...options.headers,
    },
    multiValueHeaders: {},
    body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    stageVariables: null,
    requestContext: {
      requestId: 'apigw-request-1',
      identity: { userArn: 'arn:aws:iam::123456789012:user/alice' },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

export const lambdaContext = { awsRequestId: 'lambda-request-1', functionName: 'api' } as Context;

/** Parses a handler response's JSON body. */
export function bodyOf(response: { body: string }): any {
  return response.body === '' ? undefined : JSON.parse(response.body);
}

/**
 * A WorkflowStarter that records every start and is idempotent per deployment id, like Step
 * Functions: the same request again returns the same execution, another one is a conflict.
 * With `recordIn`, a new start also writes the deployment record, as the workflow's first step
 * does a moment after the execution starts.
 */
export class RecordingStarter implements WorkflowStarter {
  readonly started: (StartRequest & { deploymentId: string })[] = [];
  readonly calls: (StartRequest & { deploymentId: string })[] = [];

  constructor(private readonly options: { recordIn?: DeploymentStore; clock?: Clock } = {}) {}

  async startDeployment(request: StartRequest & { readonly deploymentId: string }) {
    this.calls.push(request);
    const existing = this.started.find((r) => r.deploymentId === request.deploymentId);
    if (existing && JSON.stringify(existing) !== JSON.stringify(request)) {
      throw new ConflictError(`deployment "${request.deploymentId}" exists with another request`);
    }
    if (!existing) {
      this.started.push(request);
      const at = new Date((this.options.clock ?? manualClock()).nowMs()).toISOString();
      await this.options.recordIn?.createDeployment({
        id: request.deploymentId,
        pipelineName: request.pipeline,
        pipelineVersion: request.pipelineVersion ?? 1,
        change: request.change,
        status: 'running',
        createdAt: at,
        updatedAt: at,
        ...(request.requestedBy !== undefined ? { requestedBy: request.requestedBy } : {}),
      });
    }
    return {
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:breakwater-Deployment:${request.deploymentId}`,
    };
  }

  readonly releaseRollbacks: string[] = [];

  async startReleaseRollback(request: { readonly deploymentId: string }) {
    if (!this.releaseRollbacks.includes(request.deploymentId))
      this.releaseRollbacks.push(request.deploymentId);
    return {
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:breakwater-ReleaseRollback:${request.deploymentId}`,
    };
  }
}

/** Counts every store call by method name; the store itself is untouched. */
export function countingStore(store: DeploymentStore): { store: DeploymentStore; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

/** A clock the test moves by hand. */
export function manualClock(startIso = '2026-03-02T10:00:00.000Z'): Clock & { advance(ms: number): void } {
  let now = Date.parse(startIso);
  return {
    nowMs: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** A log that keeps what it was told. */
export function recordingLog(): Log & {
  entries: { level: string; message: string; extra?: Record<string, unknown> }[];
} {
  const entries: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    entries.push({ level, message, ...(extra ? { extra } : {}) });
  };
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

export function sequentialIds(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

export const ACCOUNT = '123456789012';

/** A pipeline document (what users PUT). */
export function pipelineDocument(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    waves: [
      {
        name: 'canary',
        targets: [
          { id: 'use1', account: ACCOUNT, region: 'us-east-1', functionName: `${name}-fn`, alias: 'live' },
        ],
      },
      {
        name: 'world',
        targets: [
          { id: 'euw1', account: ACCOUNT, region: 'eu-west-1', functionName: `${name}-fn`, alias: 'live' },
          {
            id: 'apne1',
            account: ACCOUNT,
            region: 'ap-northeast-1',
            functionName: `${name}-fn`,
            alias: 'live',
          },
        ],
      },
    ],
    ...extra,
  };
}
