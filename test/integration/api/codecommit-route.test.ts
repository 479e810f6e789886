import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStore } from '../../../src/adapters/aws/dynamodb-store.js';
import { codeCommitPushEvent } from '../../../src/cli/client.js';
import { resolvePipeline } from '../../../src/core/pipeline.js';
import { createApiHandler } from '../../../src/handlers/api.js';
import { CODECOMMIT_ROUTE, createCodeCommitRoute } from '../../../src/local/codecommit-route.js';
import { type LocalDynamo, startLocalDynamo } from '../../../src/local/dynamo.js';
import { createLocalServer, type ProxyHandler } from '../../../src/local/server.js';
import {
  ACCOUNT,
  manualClock,
  pipelineDocument,
  RecordingStarter,
  recordingLog,
  sequentialIds,
} from './support.js';

/*
 * POST /triggers/codecommit on the local server: the CodeCommit event EventBridge would deliver
 * goes, when the CDK rule's pattern matches it, to the CodeCommit trigger's handler; the caller
 * hears what started, or why nothing did.
 */

const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));
const TOKEN = 'codecommit-route-test-token';

let local: LocalDynamo;
let server: Server;
let base: string;
let starter: RecordingStarter;

beforeAll(async () => {
  local = await startLocalDynamo();
  const clock = manualClock();
  const store = new DynamoDeploymentStore({
    client: local.documentClient,
    tableName: local.tableName,
    clock,
  });
  const zip = { type: 's3-zip', bucket: 'artifacts-{region}', key: 'checkout/{change}.zip' };
  await store.putPipeline(
    resolvePipeline(
      pipelineDocument('checkout', {
        source: { type: 'codecommit', repository: 'checkout', branch: 'main' },
        artifact: zip,
      }),
    ),
  );
  await store.putPipeline(
    resolvePipeline(
      pipelineDocument('checkout-eu', {
        source: { type: 'codecommit', repository: 'checkout', branch: 'main', region: 'eu-west-1' },
        artifact: zip,
      }),
    ),
  );
  await store.putPipeline(
    resolvePipeline(
      pipelineDocument('payments', {
        source: { type: 'github', owner: 'acme', repo: 'payments', branch: 'main' },
      }),
    ),
  );
  starter = new RecordingStarter({ recordIn: store, clock });
  const log = recordingLog();
  server = createLocalServer({
    api: createApiHandler({ store, starter, clock, log, newId: sequentialIds('local') }) as ProxyHandler,
    localRoutes: { [CODECOMMIT_ROUTE]: createCodeCommitRoute({ store, starter, log }) as ProxyHandler },
    token: TOKEN,
    webDir: WEB_DIR,
    log,
    clock,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await local?.close();
});

let eventIds = 0;
/** The event `breakwater trigger codecommit` sends. */
function push(flags: { repository: string; branch: string; commit?: string; sourceRegion?: string }) {
  return codeCommitPushEvent(
    { commit: '3e8b3ab2c1a9d0f7e6b5c4d3e2f1a0b9c8d7e6f5', account: ACCOUNT, by: 'ana', ...flags },
    { id: `event-${++eventIds}`, nowMs: Date.parse('2026-03-02T10:00:00Z') },
  );
}

async function post(body: unknown, options: { token?: string | null; contentType?: string } = {}) {
  const token = options.token === undefined ? TOKEN : options.token;
  const response = await fetch(`${base}${CODECOMMIT_ROUTE}`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, read field by field
  return { status: response.status, body: (await response.json()) as any };
}

describe('POST /triggers/codecommit', () => {
  it('starts the pushed commit on the pipeline whose source is that repository and branch (202)', async () => {
    const before = starter.started.length;

    const reply = await post(push({ repository: 'checkout', branch: 'main' }));

    expect(reply.status).toBe(202);
    expect(reply.body.deployments).toEqual([
      expect.objectContaining({ pipeline: 'checkout', deploymentId: `cc-event-${eventIds}-checkout` }),
    ]);
    expect(starter.started.slice(before)).toEqual([
      expect.objectContaining({
        pipeline: 'checkout',
        change: {
          id: '3e8b3ab2c1a9d0f7e6b5c4d3e2f1a0b9c8d7e6f5',
          description: 'referenceUpdated checkout@main',
          // when the push happened: the event's time (lead time counts from it)
          createdAt: expect.any(String),
        },
        requestedBy: `arn:aws:iam::${ACCOUNT}:user/ana`,
      }),
    ]);
  });

  it('starts nothing for another branch, and says which branch the repository deploys (200)', async () => {
    const before = starter.started.length;

    const reply = await post(push({ repository: 'checkout', branch: 'feature-x' }));

    expect(reply.status).toBe(200);
    expect(reply.body.deployments).toEqual([]);
    expect(reply.body.reason).toContain('received checkout@feature-x, commit 3e8b3ab2c1a9');
    expect(reply.body.reason).toContain('checkout deploys checkout@main, not branch feature-x');
    expect(reply.body.reason).toContain('checkout-eu deploys checkout@main, not branch feature-x');
    expect(starter.started.length).toBe(before);
  });

  it('names the CodeCommit sources that exist when no pipeline uses the repository', async () => {
    const reply = await post(push({ repository: 'billing', branch: 'main' }));

    expect(reply.status).toBe(200);
    expect(reply.body.reason).toMatch(/^no pipeline deploys repository billing \(received billing@main/);
    expect(reply.body.reason).toContain('checkout deploys checkout@main, not repository billing');
    // Only the CodeCommit sources: a GitHub pipeline is no candidate.
    expect(reply.body.reason).not.toContain('payments');
  });

  it('starts the region-bound pipeline only for an event of its region', async () => {
    const reply = await post(push({ repository: 'checkout', branch: 'main', sourceRegion: 'eu-west-1' }));

    expect(reply.status).toBe(202);
    expect(reply.body.deployments.map((d: { pipeline: string }) => d.pipeline).sort()).toEqual([
      'checkout',
      'checkout-eu',
    ]);
  });

  it('refuses with 422 an event the CodeCommit rule would not deliver (a tag), starting nothing', async () => {
    const before = starter.started.length;
    const tag = push({ repository: 'checkout', branch: 'main' });

    const reply = await post({ ...tag, detail: { ...tag.detail, referenceType: 'tag' } });

    expect(reply.status).toBe(422);
    expect(reply.body.error).toBe(
      'the CodeCommit rule would not deliver this event (detail.referenceType is "tag", expected branch): nothing started',
    );
    expect(starter.started.length).toBe(before);
  });

  it('answers 400 with the path of every missing field, 415 for another content type, 401 without the token', async () => {
    const event = push({ repository: 'checkout', branch: 'main' });
    const { repositoryName: _r, ...detail } = event.detail;

    const missing = await post({ ...event, detail });
    const text = await post(event, { contentType: 'text/plain' });
    const anonymous = await post(event, { token: null });

    expect(missing.status).toBe(400);
    expect(missing.body.issues).toEqual([expect.objectContaining({ path: 'detail.repositoryName' })]);
    expect(text.status).toBe(415);
    expect(text.body.error).toContain('send application/json');
    expect(anonymous.status).toBe(401);
  });
});
