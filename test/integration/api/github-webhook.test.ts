import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStore } from '../../../src/adapters/aws/dynamodb-store.js';
import { pushDeploymentId } from '../../../src/api/triggers.js';
import { resolvePipeline } from '../../../src/core/pipeline.js';
import { createApiHandler } from '../../../src/handlers/api.js';
import { createGithubWebhookHandler } from '../../../src/handlers/github-webhook.js';
import { type LocalDynamo, startLocalDynamo } from '../../../src/local/dynamo.js';
import {
  ACCOUNT,
  apiEvent,
  bodyOf,
  lambdaContext,
  manualClock,
  RecordingStarter,
  recordingLog,
} from './support.js';

/** Real payloads GitHub sent, from @octokit/webhooks-examples. */
const examples = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8'),
) as { name: string; examples: Record<string, any>[] }[];
const example = (name: string, pick: (e: Record<string, any>) => boolean) => {
  const found = examples.find((d) => d.name === name)?.examples.find(pick);
  if (!found) throw new Error(`no ${name} example`);
  return found;
};
// Codertocat/Hello-World, refs/heads/master, after 6113728f..., head_commit "Initial commit".
const push = example('push', (e) => e.ref === 'refs/heads/master' && e.deleted === false);
const deletedBranchPush = {
  ...push,
  deleted: true,
  after: '0000000000000000000000000000000000000000',
  head_commit: null,
};
const ping = example('ping', () => true);
const issues = example('issues', (e) => e.action === 'opened');

const SECRET = 'It is a secret to everybody';

let local: LocalDynamo;
let store: DynamoDeploymentStore;

function pipeline(name: string, source: Record<string, unknown>, artifact: Record<string, unknown>) {
  return resolvePipeline({
    name,
    source,
    artifact,
    waves: [
      {
        name: 'w',
        targets: [
          { id: 't1', account: ACCOUNT, region: 'us-east-1', functionName: `${name}-fn`, alias: 'live' },
        ],
      },
    ],
  });
}

beforeAll(async () => {
  local = await startLocalDynamo();
  store = new DynamoDeploymentStore({
    client: local.documentClient,
    tableName: local.tableName,
    clock: manualClock(),
  });
  const zip = { type: 's3-zip', bucket: 'artifacts-{region}', key: 'hello/{change}.zip' };
  // Owner/repo in another case: GitHub names are case-insensitive.
  await store.putPipeline(
    pipeline('hello', { type: 'github', owner: 'codertocat', repo: 'hello-world', branch: 'master' }, zip),
  );
  await store.putPipeline(
    pipeline(
      'hello-image',
      { type: 'github', owner: 'Codertocat', repo: 'Hello-World', branch: 'master' },
      { type: 'image', imageUri: 'repo:{change}' },
    ),
  );
  await store.putPipeline(
    pipeline(
      'hello-versions',
      { type: 'github', owner: 'Codertocat', repo: 'Hello-World', branch: 'master' },
      { type: 'versions' },
    ),
  );
  await store.putPipeline(
    pipeline(
      'hello-release',
      { type: 'github', owner: 'Codertocat', repo: 'Hello-World', branch: 'release' },
      zip,
    ),
  );
  await store.putPipeline(
    pipeline('other-repo', { type: 'github', owner: 'Codertocat', repo: 'Other', branch: 'master' }, zip),
  );
});

afterAll(async () => {
  await local?.close();
});

function webhook(options: { maxBodyBytes?: number } = {}) {
  const starter = new RecordingStarter();
  const log = recordingLog();
  const handle = createGithubWebhookHandler({
    store,
    starter,
    log,
    secret: SECRET,
    ...options,
  });
  const deliver = async (
    event: string,
    payload: unknown,
    headers: Record<string, string | undefined> = {},
    extra: { base64?: boolean; rawBody?: string | Buffer; contentType?: string | null } = {},
  ) => {
    const bytes = Buffer.isBuffer(extra.rawBody)
      ? extra.rawBody
      : Buffer.from(extra.rawBody ?? JSON.stringify(payload), 'utf8');
    // Bytes that are not text reach the Lambda only base64-encoded (API Gateway binary media types).
    const base64 = extra.base64 ?? Buffer.isBuffer(extra.rawBody);
    const signature =
      headers['X-Hub-Signature-256'] === undefined && !('X-Hub-Signature-256' in headers)
        ? `sha256=${createHmac('sha256', SECRET).update(bytes).digest('hex')}`
        : headers['X-Hub-Signature-256'];
    const all: Record<string, string> = {
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': headers['X-GitHub-Delivery'] ?? '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'User-Agent': 'GitHub-Hookshot/044aadd',
      ...(signature !== undefined ? { 'X-Hub-Signature-256': signature } : {}),
    };
    const built = apiEvent({
      method: 'POST',
      path: '/webhooks/github',
      rawBody: base64 ? bytes.toString('base64') : bytes.toString('utf8'),
      headers: {
        ...all,
        ...(extra.contentType !== undefined && extra.contentType !== null
          ? { 'Content-Type': extra.contentType }
          : {}),
      },
      isBase64Encoded: base64,
    });
    if (extra.contentType === null) delete built.headers['Content-Type'];
    const response = await handle(built, lambdaContext);
    return { statusCode: response.statusCode, body: bodyOf(response) };
  };
  return { starter, deliver, log };
}

describe('GitHub webhook', () => {
  it('starts a deployment of the pushed commit on every pipeline of that repository and branch', async () => {
    const { starter, deliver } = webhook();

    const response = await deliver('push', push);

    expect(response.statusCode).toBe(202);
    expect(starter.started.map((s) => s.pipeline).sort()).toEqual(['hello', 'hello-image']);
    const deploymentId = pushDeploymentId(
      'gh',
      { repository: 'Codertocat/Hello-World', ref: 'refs/heads/master', commit: push.after },
      'hello',
    );
    expect(deploymentId).toMatch(/^gh-6113728f27ae-hello-[0-9a-f]{16}$/);
    expect(starter.started.find((s) => s.pipeline === 'hello')).toEqual({
      pipeline: 'hello',
      // The head commit's time, in UTC: lead time counts from it.
      change: { id: push.after, description: 'Initial commit', createdAt: '2019-05-15T15:19:25.000Z' },
      requestedBy: `github:${push.pusher.name}`,
      deploymentId,
    });
    expect(response.body.deployments).toEqual(
      expect.arrayContaining([expect.objectContaining({ pipeline: 'hello', deploymentId })]),
    );
    expect(response.body.skipped).toEqual([
      { pipeline: 'hello-versions', reason: expect.stringContaining('cannot name') },
    ]);
  });

  it('starts nothing new when GitHub redelivers the same delivery', async () => {
    const { starter, deliver } = webhook();

    await deliver('push', push, { 'X-GitHub-Delivery': 'delivery-redelivered' });
    const again = await deliver('push', push, { 'X-GitHub-Delivery': 'delivery-redelivered' });

    expect(again.statusCode).toBe(202);
    expect(starter.started).toHaveLength(2);
    expect(new Set(starter.calls.map((c) => c.deploymentId)).size).toBe(2);
  });

  it('answers a replay the starter refuses as a conflict (its execution ended) that it is a duplicate', async () => {
    const { starter, deliver } = webhook();
    await deliver('push', push, { 'X-GitHub-Delivery': 'delivery-conflict' });
    // The first start recorded another request under the same id (as a finished execution would).
    starter.started[0] = { ...starter.started[0]!, requestedBy: 'someone-else' };

    const again = await deliver('push', push, { 'X-GitHub-Delivery': 'delivery-conflict' });

    expect(again.statusCode).toBe(202);
    expect(again.body.deployments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ deploymentId: starter.started[0]!.deploymentId, duplicate: true }),
      ]),
    );
  });

  it('deploys a signed push once, however many new X-GitHub-Delivery ids it is replayed under', async () => {
    const replayed = { ...push, after: 'b'.repeat(40) };
    const starter = new RecordingStarter({ recordIn: store });
    const handle = createGithubWebhookHandler({ store, starter, log: recordingLog(), secret: SECRET });
    const body = JSON.stringify(replayed);
    const signature = await sign(SECRET, body);
    const deliver = async (deliveryId: string) => {
      const response = await handle(
        apiEvent({
          method: 'POST',
          path: '/webhooks/github',
          rawBody: body,
          headers: {
            'X-GitHub-Event': 'push',
            'X-GitHub-Delivery': deliveryId,
            'X-Hub-Signature-256': signature,
          },
        }),
        lambdaContext,
      );
      return { statusCode: response.statusCode, body: bodyOf(response) };
    };

    const first = await deliver('delivery-original');
    const replays = [];
    for (let n = 1; n <= 10; n++) replays.push(await deliver(`delivery-replay-${n}`));

    expect(first.statusCode).toBe(202);
    expect(starter.started.map((s) => s.pipeline).sort()).toEqual(['hello', 'hello-image']);
    const ids = Object.fromEntries(
      (first.body.deployments as { pipeline: string; deploymentId: string }[]).map((d) => [
        d.pipeline,
        d.deploymentId,
      ]),
    );
    for (const replay of replays) {
      expect(replay.statusCode).toBe(200);
      expect(replay.body.deployments).toHaveLength(2);
      for (const deployment of replay.body.deployments) {
        expect(deployment).toEqual({
          pipeline: deployment.pipeline,
          deploymentId: ids[deployment.pipeline],
          duplicate: true,
          status: 'running',
          message:
            `change ${'b'.repeat(40)} was already started as deployment ${ids[deployment.pipeline]} (running): ` +
            `nothing new started; to deploy it again, POST /pipelines/${deployment.pipeline}/deployments`,
        });
      }
    }
  });

  it('starts nothing new for a replay that arrives before the first start wrote its deployment record', async () => {
    const { starter, deliver } = webhook();

    const first = await deliver('push', push, { 'X-GitHub-Delivery': 'delivery-early-1' });
    const replay = await deliver('push', push, { 'X-GitHub-Delivery': 'delivery-early-2' });

    expect(starter.started).toHaveLength(2);
    expect(replay.body.deployments.map((d: { deploymentId: string }) => d.deploymentId).sort()).toEqual(
      first.body.deployments.map((d: { deploymentId: string }) => d.deploymentId).sort(),
    );
  });

  it('deploys a commit already deployed from one branch when it is pushed to another branch of its own pipeline', async () => {
    const starter = new RecordingStarter({ recordIn: store });
    const handle = createGithubWebhookHandler({ store, starter, log: recordingLog(), secret: SECRET });
    const deliver = async (payload: unknown, deliveryId: string) => {
      const body = JSON.stringify(payload);
      return handle(
        apiEvent({
          method: 'POST',
          path: '/webhooks/github',
          rawBody: body,
          headers: {
            'X-GitHub-Event': 'push',
            'X-GitHub-Delivery': deliveryId,
            'X-Hub-Signature-256': await sign(SECRET, body),
          },
        }),
        lambdaContext,
      );
    };
    const commit = { ...push, after: 'c'.repeat(40) };

    await deliver(commit, 'delivery-master');
    await deliver({ ...commit, ref: 'refs/heads/release' }, 'delivery-release');

    expect(starter.started.map((s) => s.pipeline).sort()).toEqual(['hello', 'hello-image', 'hello-release']);
  });

  it('lets a person deploy a pushed commit again on purpose with the start API, under a new deployment id', async () => {
    const again = { ...push, after: 'd'.repeat(40) };
    const starter = new RecordingStarter({ recordIn: store });
    const handle = createGithubWebhookHandler({ store, starter, log: recordingLog(), secret: SECRET });
    const body = JSON.stringify(again);
    const pushed = bodyOf(
      await handle(
        apiEvent({
          method: 'POST',
          path: '/webhooks/github',
          rawBody: body,
          headers: {
            'X-GitHub-Event': 'push',
            'X-GitHub-Delivery': 'delivery-before-redeploy',
            'X-Hub-Signature-256': await sign(SECRET, body),
          },
        }),
        lambdaContext,
      ),
    );
    const api = createApiHandler({
      store,
      starter,
      clock: manualClock(),
      log: recordingLog(),
      newId: () => 'redeploy-1',
    });

    const redeploy = await api(
      apiEvent({
        method: 'POST',
        path: '/pipelines/hello/deployments',
        body: { change: { id: again.after, description: 'deploy it again' }, requestedBy: 'alice' },
      }),
      lambdaContext,
    );

    expect(redeploy.statusCode).toBe(202);
    expect(bodyOf(redeploy).deploymentId).toBe('redeploy-1');
    expect(bodyOf(redeploy).deploymentId).not.toBe(
      pushed.deployments.find((d: { pipeline: string }) => d.pipeline === 'hello').deploymentId,
    );
    expect(starter.started.filter((s) => s.pipeline === 'hello').map((s) => s.change.id)).toEqual([
      again.after,
      again.after,
    ]);
  });

  it('verifies a base64-encoded body as the raw bytes GitHub signed', async () => {
    const { starter, deliver } = webhook();

    const response = await deliver(
      'push',
      push,
      { 'X-GitHub-Delivery': 'delivery-base64' },
      { base64: true },
    );

    expect(response.statusCode).toBe(202);
    expect(starter.started).toHaveLength(2);
  });

  it('answers 401 and starts nothing when the signature is wrong', async () => {
    const { starter, deliver } = webhook();

    const response = await deliver('push', push, {
      'X-Hub-Signature-256': await sign('not the secret', JSON.stringify(push)),
    });

    expect(response).toEqual({
      statusCode: 401,
      body: { error: 'X-Hub-Signature-256 does not match the body' },
    });
    expect(starter.calls).toEqual([]);
  });

  it('answers 401 and starts nothing when the body was changed after signing', async () => {
    const { starter, deliver } = webhook();
    const signature = await sign(SECRET, JSON.stringify(push));

    const response = await deliver(
      'push',
      { ...push, after: 'f'.repeat(40) },
      { 'X-Hub-Signature-256': signature },
    );

    expect(response.statusCode).toBe(401);
    expect(starter.calls).toEqual([]);
  });

  it('answers 401 and starts nothing when the signature is missing', async () => {
    const { starter, deliver } = webhook();

    const response = await deliver('push', push, { 'X-Hub-Signature-256': undefined });

    expect(response).toEqual({ statusCode: 401, body: { error: 'missing X-Hub-Signature-256 header' } });
    expect(starter.calls).toEqual([]);
  });

  it('answers 413 for a body over the limit and starts nothing', async () => {
    const { starter, deliver } = webhook({ maxBodyBytes: 1024 });

    const response = await deliver('push', push);

    expect(response.statusCode).toBe(413);
    expect(starter.calls).toEqual([]);
  });

  it('answers a ping with 200', async () => {
    const { starter, deliver } = webhook();

    expect(await deliver('ping', ping)).toEqual({ statusCode: 200, body: { ok: true } });
    expect(starter.calls).toEqual([]);
  });

  it('acknowledges and ignores other events', async () => {
    const { starter, deliver } = webhook();

    expect(await deliver('issues', issues)).toEqual({ statusCode: 202, body: { ignored: 'issues' } });
    expect(starter.calls).toEqual([]);
  });

  it('starts nothing for a push to a branch no pipeline deploys', async () => {
    const { starter, deliver } = webhook();

    const response = await deliver('push', { ...push, ref: 'refs/heads/feature/x' });

    expect(response).toEqual({ statusCode: 202, body: { deployments: [], skipped: [] } });
    expect(starter.calls).toEqual([]);
  });

  it('starts nothing for a push that deletes the branch', async () => {
    const { starter, deliver } = webhook();

    const response = await deliver('push', deletedBranchPush);

    expect(response.body).toEqual({ deployments: [], skipped: [] });
    expect(starter.calls).toEqual([]);
  });

  it('accepts a signed body that is not valid UTF-8, verified on the exact bytes API Gateway passed base64-encoded', async () => {
    const { starter, deliver } = webhook();
    // A commit message with a Latin-1 "é" (0xE9): the signature covers that byte, not U+FFFD.
    const [before, after] = JSON.stringify({
      ...push,
      head_commit: { ...push.head_commit, message: 'cafLATIN1-E9' },
    }).split('LATIN1-E9');
    const bytes = Buffer.concat([Buffer.from(before!), Buffer.from([0xe9]), Buffer.from(after!)]);

    const response = await deliver(
      'push',
      undefined,
      { 'X-GitHub-Delivery': 'delivery-latin1' },
      { rawBody: bytes },
    );

    expect(response.statusCode).toBe(202);
    expect(starter.started.map((s) => s.pipeline).sort()).toEqual(['hello', 'hello-image']);
    expect(starter.started[0]!.change.description).toBe('caf\uFFFD');
  });

  it("accepts GitHub's form content type: the JSON of the payload field, signed over the whole form", async () => {
    const { starter, deliver } = webhook();
    const form = new URLSearchParams({ payload: JSON.stringify(push) }).toString();

    const response = await deliver(
      'push',
      undefined,
      { 'X-GitHub-Delivery': 'delivery-form' },
      { rawBody: form, contentType: 'application/x-www-form-urlencoded' },
    );

    expect(response.statusCode).toBe(202);
    expect(starter.started.map((s) => s.pipeline).sort()).toEqual(['hello', 'hello-image']);
  });

  it('answers 400 for a signed form without a payload field', async () => {
    const { starter, deliver } = webhook();

    const response = await deliver(
      'push',
      undefined,
      {},
      { rawBody: 'zen=hi', contentType: 'application/x-www-form-urlencoded' },
    );

    expect(response.statusCode).toBe(400);
    expect(response.body.issues).toEqual([
      { path: 'payload', message: 'expected the form field "payload" (the JSON of the event), got nothing' },
    ]);
    expect(starter.calls).toEqual([]);
  });

  it('answers 415 naming the accepted content types for a signed body of another type, and starts nothing', async () => {
    const { starter, deliver } = webhook();

    const text = await deliver('push', push, {}, { contentType: 'text/plain' });
    const none = await deliver('push', push, {}, { contentType: null });

    for (const [response, type] of [
      [text, '"text/plain"'],
      [none, 'none'],
    ] as const) {
      expect(response).toEqual({
        statusCode: 415,
        body: {
          error: `content type ${type} is not accepted: send application/json (or application/x-www-form-urlencoded with the JSON in a "payload" field)`,
        },
      });
    }
    expect(starter.calls).toEqual([]);
  });

  it('answers 400 for a signed body that is not JSON', async () => {
    const { starter, deliver } = webhook();

    const response = await deliver('push', undefined, {}, { rawBody: 'payload=%7B%7D' });

    expect(response.statusCode).toBe(400);
    expect(response.body.issues[0].message).toContain('application/json');
    expect(starter.calls).toEqual([]);
  });
});

describe('GitHub webhook and vetoed changes', () => {
  it('refuses a push of a vetoed commit on that pipeline with the veto as the logged reason, still answering 2xx', async () => {
    const { starter, deliver, log } = webhook();
    const commit = 'b5e6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4';
    await store.putVeto('hello', commit, {
      by: 'alice',
      reason: 'corrupts carts',
      at: '2026-03-02T09:00:00.000Z',
    });

    const response = await deliver(
      'push',
      { ...push, after: commit },
      { 'X-GitHub-Delivery': 'delivery-vetoed' },
    );

    expect(response.statusCode).toBe(202);
    // Only the vetoed pipeline refuses it: the veto is of a change on one pipeline.
    expect(starter.started.map((s) => s.pipeline)).toEqual(['hello-image']);
    const refusal = response.body.skipped.find((s: { pipeline: string }) => s.pipeline === 'hello');
    expect(refusal.reason).toMatch(
      /change b5e6c7d8.* was vetoed by alice at 2026-03-02T09:00:00.000Z: corrupts carts; .*veto\/lift/,
    );
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'push not deployed',
      extra: expect.objectContaining({ pipeline: 'hello', reason: refusal.reason }),
    });
  });
});
