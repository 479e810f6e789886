import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail } from '../../../src/api/deployments.js';
import { createApiHandler } from '../../../src/handlers/api.js';
import type { EmbeddedEngine } from '../../../src/local/engine.js';
import type { DeploymentRecord } from '../../../src/ports/store.js';
import { deploy, smallPipeline, startEngine } from '../../support/fixtures.js';
import { apiEvent, bodyOf, lambdaContext, RecordingStarter, recordingLog, sequentialIds } from './support.js';

/*
 * A deployment that gave up after maxHold, read through the API: a real expired deployment (the
 * real workflow on the embedded engine, an alarm that never clears) and the real API handler on
 * the same store.
 */

let engine: EmbeddedEngine;
let deploymentId: string;
let get: <T>(path: string) => Promise<{ statusCode: number; body: T }>;
const log = recordingLog();

beforeAll(async () => {
  const pipeline = smallPipeline({ maxHold: '2h' });
  // Wave one (us-east-1) runs at once; wave two's region has a blocker alarm that never clears.
  engine = await startEngine(pipeline, {
    blockers: [{ kind: 'alarm', name: 'orders-errors-eu-west-1', region: 'eu-west-1', at: '0s' }],
  });
  ({ deploymentId } = await deploy(engine, pipeline));
  const handle = createApiHandler({
    store: engine.store,
    starter: new RecordingStarter(),
    clock: engine.time.clock,
    log,
    newId: sequentialIds('expired'),
  });
  get = <T>(path: string) =>
    engine.io(async () => {
      const response = await handle(apiEvent({ method: 'GET', path }), lambdaContext);
      return { statusCode: response.statusCode, body: bodyOf(response) as T };
    });
});

afterAll(async () => {
  await engine?.close();
});

describe('an expired deployment in the API', () => {
  it('GET /deployments/{id} shows status expired, what held it past maxHold, and its timeline', async () => {
    const { statusCode, body } = await get<DeploymentDetail>(`/deployments/${deploymentId}`);

    expect(statusCode).toBe(200);
    expect(body.deployment).toMatchObject({
      id: deploymentId,
      status: 'expired',
      endedAt: expect.any(String),
      rollback: {
        triggeredBy: 'hold-expired',
        reason: expect.stringMatching(
          /^held for 2h\S*, longer than maxHold \(2h\): wave two waits: alarm "orders-errors-eu-west-1" is in ALARM/,
        ),
      },
    });
    const types = body.events.map((e) => e.type);
    expect(types).toContain('hold-expired');
    expect(types.filter((t) => t === 'deployment-expired')).toHaveLength(1);
    expect(body.events.find((e) => e.type === 'deployment-expired')?.message).toMatch(
      /^deployment expired: held for 2h\S*, longer than maxHold \(2h\)/,
    );
    // Wave one's targets went back to v1; wave two never started.
    expect(body.waves.map((w) => [w.name, w.status])).toEqual([
      ['one', 'succeeded'],
      ['two', 'waiting'],
      ['three', 'pending'],
    ]);
    for (const t of body.waves[0]!.targets) expect(t).toMatchObject({ status: 'rolled_back', weight: 0 });
  });

  it('GET /pipelines/{name}/deployments lists it as expired', async () => {
    const { statusCode, body } = await get<{ items: DeploymentRecord[] }>('/pipelines/orders/deployments');

    expect(statusCode).toBe(200);
    expect(body.items).toEqual([expect.objectContaining({ id: deploymentId, status: 'expired' })]);
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('GET /openapi.json lists expired among the statuses a Deployment may have', async () => {
    const { statusCode, body } = await get<{
      components: { schemas: { Deployment: { properties: { status: { enum: string[] } } } } };
    }>('/openapi.json');

    expect(statusCode).toBe(200);
    expect(body.components.schemas.Deployment.properties.status.enum).toContain('expired');
  });
});
