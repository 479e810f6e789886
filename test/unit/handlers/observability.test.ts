import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createObservability, deploymentKeysOf } from '../../../src/handlers/observability.js';
import { stepHandler } from '../../../src/handlers/step-handler.js';
import { BatchInput, StartDeploymentInput, WaveInput } from '../../../src/workflow/step-inputs.js';

const context = {
  functionName: 'breakwater-StartWave',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:breakwater-StartWave',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/** The JSON log lines Powertools writes to stdout while `act` runs. */
async function logLinesOf(act: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await act();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function observed() {
  return {
    logger: new Logger({ serviceName: 'breakwater', logLevel: 'INFO' }),
    tracer: new Tracer({ serviceName: 'breakwater', enabled: false }),
  };
}

describe('step handler logging', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stamps every line the step logs with the deployment, wave and the Lambda context', async () => {
    // Prepare: the step logs through the same Logger the Lambda passes as its Log port.
    const o = observed();
    const handler = stepHandler(WaveInput, 'StartWave input', async () => o.logger.info('wave started'), o);

    // Act
    const lines = await logLinesOf(() => handler({ deploymentId: 'd-42', waveIndex: 2 }, context));

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      message: 'wave started',
      service: 'breakwater',
      deploymentId: 'd-42',
      wave: 2,
      function_request_id: 'req-1',
      function_name: 'breakwater-StartWave',
    });
  });

  it('drops the keys when the invocation ends, so the next one does not carry them', async () => {
    const o = observed();
    const first = stepHandler(BatchInput, 'batch', async () => o.logger.info('batch'), o);
    const second = stepHandler(StartDeploymentInput, 'start', async () => o.logger.info('start'), o);

    const lines = await logLinesOf(async () => {
      await first({ deploymentId: 'd-1', waveIndex: 0, targets: [0, 3] }, context);
      await second({ executionName: 'd-2', request: {} }, context);
    });

    expect(lines[0]).toMatchObject({ deploymentId: 'd-1', wave: 0, target: [0, 3] });
    expect(lines[1]).toMatchObject({ deploymentId: 'd-2' });
    expect(lines[1]).not.toHaveProperty('wave');
    expect(lines[1]).not.toHaveProperty('target');
  });

  it('reads the deployment id a start request names before the execution name', () => {
    expect(deploymentKeysOf({ executionName: 'exec-1', request: { deploymentId: 'd-9' } })).toEqual({
      deploymentId: 'd-9',
    });
    expect(deploymentKeysOf({ deploymentId: 'd-1', waveIndex: 1, targetIndex: 4 })).toEqual({
      deploymentId: 'd-1',
      wave: 1,
      target: 4,
    });
  });
});

describe('observability outside Lambda', () => {
  it('is silent and untraced, so the embedded engine prints no JSON logs', async () => {
    const o = createObservability({});
    const handler = stepHandler(WaveInput, 'StartWave input', async () => o.logger.error('boom'), o);

    const lines = await logLinesOf(() => handler({ deploymentId: 'd-1', waveIndex: 0 }, context));

    expect(lines).toEqual([]);
    expect(o.tracer.isTracingEnabled()).toBe(false);
  });

  it('logs at the level POWERTOOLS_LOG_LEVEL asks for', () => {
    expect(createObservability({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }).logger.getLevelName()).toBe('DEBUG');
  });
});
