import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStore } from '../../../src/adapters/aws/dynamodb-store.js';
import { resolvePipeline } from '../../../src/core/pipeline.js';
import { createCodeCommitHandler } from '../../../src/handlers/codecommit.js';
import { type LocalDynamo, startLocalDynamo } from '../../../src/local/dynamo.js';
import { ACCOUNT, lambdaContext, manualClock, RecordingStarter, recordingLog } from './support.js';

/** An EventBridge event as CodeCommit sends it for a push to `main`. */
function referenceUpdated(detail: Record<string, unknown> = {}, event: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '01234567-0123-0123-0123-012345678901',
    'detail-type': 'CodeCommit Repository State Change',
    source: 'aws.codecommit',
    account: ACCOUNT,
    time: '2026-03-02T10:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:codecommit:eu-west-1:${ACCOUNT}:payments-service`],
    detail: {
      callerUserArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      commitId: '3e8b3ab2c1a9d0f7e6b5c4d3e2f1a0b9c8d7e6f5',
      event: 'referenceUpdated',
      oldCommitId: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
      referenceFullName: 'refs/heads/main',
      referenceName: 'main',
      referenceType: 'branch',
      repositoryId: '12345678-1234-5678-abcd-12345678abcd',
      repositoryName: 'payments-service',
      ...detail,
    },
    ...event,
  };
}

let local: LocalDynamo;
let store: DynamoDeploymentStore;

function pipeline(
  name: string,
  source: Record<string, unknown>,
  artifact: Record<string, unknown> = { type: 's3-zip', bucket: 'artifacts', key: '{change}.zip' },
) {
  return resolvePipeline({
    name,
    source,
    artifact,
    waves: [
      {
        name: 'w',
        targets: [
          { id: 't1', account: ACCOUNT, region: 'eu-west-1', functionName: `${name}-fn`, alias: 'live' },
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
  await store.putPipeline(
    pipeline('payments', { type: 'codecommit', repository: 'payments-service', branch: 'main' }),
  );
  await store.putPipeline(
    pipeline('payments-eu', {
      type: 'codecommit',
      repository: 'payments-service',
      branch: 'main',
      account: ACCOUNT,
      region: 'eu-west-1',
    }),
  );
  await store.putPipeline(
    pipeline('payments-us', {
      type: 'codecommit',
      repository: 'payments-service',
      branch: 'main',
      region: 'us-east-1',
    }),
  );
  await store.putPipeline(
    pipeline(
      'payments-versions',
      { type: 'codecommit', repository: 'payments-service', branch: 'main' },
      { type: 'versions' },
    ),
  );
  await store.putPipeline(
    pipeline('payments-dev', { type: 'codecommit', repository: 'payments-service', branch: 'dev' }),
  );
});

afterAll(async () => {
  await local?.close();
});

function trigger() {
  const starter = new RecordingStarter();
  const log = recordingLog();
  const handle = createCodeCommitHandler({ store, starter, log });
  return { starter, log, handle: (event: unknown) => handle(event, lambdaContext) };
}

describe('CodeCommit trigger', () => {
  it('starts the pushed commit on every pipeline of the repository, branch, account and region', async () => {
    const { starter, handle } = trigger();

    const result = await handle(referenceUpdated());

    expect(starter.started.map((s) => s.pipeline).sort()).toEqual(['payments', 'payments-eu']);
    expect(starter.started.find((s) => s.pipeline === 'payments')).toEqual({
      pipeline: 'payments',
      change: {
        id: '3e8b3ab2c1a9d0f7e6b5c4d3e2f1a0b9c8d7e6f5',
        description: 'referenceUpdated payments-service@main',
        // The event's time: when the branch moved, where lead time counts from.
        createdAt: '2026-03-02T10:00:00.000Z',
      },
      requestedBy: `arn:aws:iam::${ACCOUNT}:user/alice`,
      deploymentId: 'cc-01234567-0123-0123-0123-012345678901-payments',
    });
    expect(result).toMatchObject({ skipped: [{ pipeline: 'payments-versions' }] });
  });

  it('starts a newly created branch too', async () => {
    const { starter, handle } = trigger();

    await handle(
      referenceUpdated({
        event: 'referenceCreated',
        referenceName: 'dev',
        referenceFullName: 'refs/heads/dev',
      }),
    );

    expect(starter.started.map((s) => s.pipeline)).toEqual(['payments-dev']);
  });

  it('starts nothing new when EventBridge delivers the same event again', async () => {
    const { starter, handle } = trigger();

    await handle(referenceUpdated());
    await handle(referenceUpdated());

    expect(starter.started).toHaveLength(2);
  });

  it('ignores deleted references, tags, other branches and other events without throwing', async () => {
    const { starter, handle } = trigger();

    expect(await handle(referenceUpdated({ event: 'referenceDeleted', commitId: undefined }))).toEqual({
      ignored: 'event referenceDeleted',
    });
    expect(await handle(referenceUpdated({ referenceType: 'tag', referenceName: 'v1' }))).toEqual({
      ignored: 'reference type tag',
    });
    expect(await handle(referenceUpdated({ referenceName: 'feature-x' }))).toEqual({
      deployments: [],
      skipped: [],
    });
    expect(
      await handle({ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change' }),
    ).toEqual({
      ignored: 'not a CodeCommit repository state change',
    });
    expect(starter.calls).toEqual([]);
  });
});

describe('CodeCommit trigger and vetoed changes', () => {
  it('refuses a push of a vetoed commit on that pipeline with the veto as the logged reason', async () => {
    const { starter, log, handle } = trigger();
    const commitId = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
    await store.putVeto('payments', commitId, {
      by: 'alice',
      reason: 'leaks card numbers',
      at: '2026-03-02T09:00:00.000Z',
    });

    const result = (await handle(referenceUpdated({ commitId }, { id: 'event-vetoed' }))) as {
      readonly skipped: readonly { pipeline: string; reason: string }[];
    };

    expect(starter.started.map((s) => s.pipeline)).toEqual(['payments-eu']);
    const refusal = result.skipped.find((s) => s.pipeline === 'payments');
    expect(refusal?.reason).toContain('was vetoed by alice at 2026-03-02T09:00:00.000Z: leaks card numbers');
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'push not deployed',
      extra: expect.objectContaining({ pipeline: 'payments', reason: refusal?.reason }),
    });
  });
});
