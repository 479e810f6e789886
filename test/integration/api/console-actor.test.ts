import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStore } from '../../../src/adapters/aws/dynamodb-store.js';
import { actAs, signedInPerson } from '../../../src/api/actor.js';
import { resolvePipeline } from '../../../src/core/pipeline.js';
import { createApiHandler } from '../../../src/handlers/api.js';
import { type LocalDynamo, startLocalDynamo } from '../../../src/local/dynamo.js';
import type { DeploymentRecord } from '../../../src/ports/store.js';
import {
  apiEvent,
  bodyOf,
  lambdaContext,
  manualClock,
  pipelineDocument,
  RecordingStarter,
  recordingLog,
  sequentialIds,
} from './support.js';

/*
 * The hosted console's requests: API Gateway's Cognito authorizer passes the signed-in person's
 * ID-token claims, and the API records that person as the actor of every command.
 */

const ANA = { email: 'ana@example.com', 'cognito:username': 'a1b2c3', token_use: 'id' };
const BEN = { email: 'ben@example.com', 'cognito:username': 'd4e5f6', token_use: 'id' };

let local: LocalDynamo;
let store: DynamoDeploymentStore;
const starter = new RecordingStarter();
const clock = manualClock();
let unique = 0;
const fresh = (prefix: string) => `${prefix}-${++unique}`;
let handle: ReturnType<typeof createApiHandler>;

beforeAll(async () => {
  local = await startLocalDynamo();
  store = new DynamoDeploymentStore({ client: local.documentClient, tableName: local.tableName, clock });
  handle = createApiHandler({ store, starter, clock, log: recordingLog(), newId: sequentialIds('console') });
});

afterAll(async () => {
  await local?.close();
});

/** A request as the console API delivers it: Cognito claims, no IAM identity. */
async function asPerson(claims: Record<string, string> | undefined, options: Parameters<typeof apiEvent>[0]) {
  const event = apiEvent(options);
  const requestContext = (
    claims ? { requestId: 'apigw-console-1', authorizer: { claims } } : event.requestContext
  ) as APIGatewayProxyEvent['requestContext'];
  const response = await handle({ ...event, requestContext }, lambdaContext);
  return { statusCode: response.statusCode, body: bodyOf(response) };
}

function running(id: string, patch: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id,
    pipelineName: 'payments',
    pipelineVersion: 1,
    change: { id: 'abc123', version: '7' },
    status: 'running',
    createdAt: '2026-03-02T10:00:00.000Z',
    updatedAt: '2026-03-02T10:00:00.000Z',
    requestedBy: 'someone',
    ...patch,
  };
}

describe('signedInPerson', () => {
  it.each([
    [{ email: 'ana@example.com', 'cognito:username': 'a1' }, 'ana@example.com'],
    [{ 'cognito:username': 'a1' }, 'a1'],
    [{ email: '  ', 'cognito:username': 'a1' }, 'a1'],
    [{}, undefined],
    [undefined, undefined],
  ])('names %j as %s', (claims, expected) => {
    expect(signedInPerson(claims)).toBe(expected);
  });
});

describe('actAs', () => {
  it('fills a missing or empty actor field, keeps the same name, and leaves bodies alone without a person', () => {
    expect(actAs({ reason: 'r' }, 'by', 'ana@example.com')).toEqual({ reason: 'r', by: 'ana@example.com' });
    expect(actAs({ author: ' ' }, 'author', 'ana@example.com')).toEqual({ author: 'ana@example.com' });
    expect(actAs({ by: ' ana@example.com ' }, 'by', 'ana@example.com')).toEqual({ by: ' ana@example.com ' });
    expect(actAs({ by: 'ben' }, 'by', undefined)).toEqual({ by: 'ben' });
    expect(actAs('not an object', 'by', 'ana@example.com')).toBe('not an object');
  });

  it('refuses a body that names someone else, saying who is signed in', () => {
    expect(() => actAs({ by: 'ben' }, 'by', 'ana@example.com')).toThrow(
      'body.by is "ben" but you are signed in as "ana@example.com"',
    );
  });
});

describe('commands from the hosted console', () => {
  it('records the signed-in person as the author of a blocker the body does not name', async () => {
    const response = await asPerson(ANA, {
      method: 'POST',
      path: '/blockers',
      body: { scope: { kind: 'global' }, reason: 'game day' },
    });

    expect(response.statusCode).toBe(201);
    expect(response.body.author).toBe('ana@example.com');
  });

  it('answers 403 to a stop in someone else’s name and leaves the deployment running', async () => {
    const id = fresh('dep');
    await store.createDeployment(running(id));

    const response = await asPerson(ANA, {
      method: 'POST',
      path: `/deployments/${id}/stop`,
      body: { by: 'ben@example.com', reason: 'errors' },
    });

    expect(response.statusCode).toBe(403);
    expect(response.body.error).toContain('signed in as "ana@example.com"');
    expect((await store.getDeployment(id))?.cancelRequest).toBeUndefined();
  });

  it('records the signed-in person as who stops a deployment', async () => {
    const id = fresh('dep');
    await store.createDeployment(running(id));

    const stop = await asPerson(BEN, {
      method: 'POST',
      path: `/deployments/${id}/stop`,
      body: { reason: 'errors' },
    });

    expect(stop.statusCode).toBe(202);
    expect((await store.getDeployment(id))?.cancelRequest?.by).toBe('ben@example.com');
  });

  it('starts an expedited deployment requested by the signed-in person, whom only someone else may approve', async () => {
    const name = fresh('payments');
    await store.putPipeline(
      resolvePipeline(pipelineDocument(name, { expedite: { bakeFraction: 0.25, minBake: '5m' } })),
      'test',
    );

    const started = await asPerson(ANA, {
      method: 'POST',
      path: `/pipelines/${name}/deployments`,
      body: { change: { id: 'fix-1', version: '8' }, expedite: { reason: 'sev2 fix' } },
    });

    expect(started.statusCode).toBe(202);
    const request = starter.started.find((s) => s.deploymentId === started.body.deploymentId);
    expect(request).toMatchObject({ requestedBy: 'ana@example.com', expedite: { reason: 'sev2 fix' } });

    const id = fresh('dep');
    const expedite = {
      requestedBy: 'ana@example.com',
      reason: 'sev2 fix',
      requestedAt: '2026-03-02T10:00:00.000Z',
    };
    await store.createDeployment(running(id, { requestedBy: 'ana@example.com', expedite }));
    const own = await asPerson(ANA, {
      method: 'POST',
      path: `/deployments/${id}/expedite/approve`,
      body: {},
    });
    const other = await asPerson(BEN, {
      method: 'POST',
      path: `/deployments/${id}/expedite/approve`,
      body: {},
    });

    expect(own.statusCode).toBe(403);
    expect(other.statusCode).toBe(200);
    expect((await store.getDeployment(id))?.expedite?.approvedBy).toBe('ben@example.com');
  });

  it('records the signed-in person as who registered a pipeline', async () => {
    const name = fresh('payments');

    const response = await asPerson(ANA, {
      method: 'PUT',
      path: `/pipelines/${name}`,
      body: pipelineDocument(name),
    });

    expect(response.statusCode).toBe(201);
    expect(response.body.registeredBy).toBe('ana@example.com');
  });

  it('still asks IAM callers to name who acts (400 without "by")', async () => {
    const id = fresh('dep');
    await store.createDeployment(running(id));

    const response = await asPerson(undefined, {
      method: 'POST',
      path: `/deployments/${id}/stop`,
      body: { reason: 'errors' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.body.issues[0].path).toBe('by');
  });
});

describe('answers to the hosted console (another origin)', () => {
  it('carry Access-Control-Allow-Origin for the console, on success and on refusal', async () => {
    const console = createApiHandler(
      { store, starter, clock, log: recordingLog(), newId: sequentialIds('cors') },
      { allowOrigin: 'https://d111.cloudfront.net' },
    );
    const event = apiEvent({ method: 'GET', path: '/blockers' });
    const ok = await console(event, lambdaContext);
    const refused = await console(
      {
        ...apiEvent({
          method: 'POST',
          path: '/blockers',
          body: { scope: { kind: 'global' }, author: 'ben', reason: 'x' },
        }),
        requestContext: { authorizer: { claims: ANA } } as unknown as APIGatewayProxyEvent['requestContext'],
      },
      lambdaContext,
    );

    expect(ok.statusCode).toBe(200);
    expect(ok.headers?.['Access-Control-Allow-Origin']).toBe('https://d111.cloudfront.net');
    expect(refused.statusCode).toBe(403);
    expect(refused.headers?.['Access-Control-Allow-Origin']).toBe('https://d111.cloudfront.net');
    expect((await handle(event, lambdaContext)).headers?.['Access-Control-Allow-Origin']).toBeUndefined();
  });
});
