import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PowertoolsDeploymentMetrics } from '../../../src/adapters/aws/emf-metrics.js';

/** The EMF documents written to stdout while `act` runs. */
function emfWrittenBy(act: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    act();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('PowertoolsDeploymentMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes each data point at once as its own EMF document in the Breakwater namespace, with its own dimensions', () => {
    // Prepare
    const metrics = new PowertoolsDeploymentMetrics(
      new Metrics({ namespace: 'Breakwater', serviceName: 'breakwater' }),
    );

    // Act
    const docs = emfWrittenBy(() => {
      metrics.record('DeploymentsRolledBack', 1, 'Count', { pipeline: 'payments', outcome: 'rolled_back' });
      metrics.record('AlarmToTrafficOffSeconds', 42.5, 'Seconds', { pipeline: 'orders' });
    });

    // Assess
    expect(docs).toHaveLength(2);
    const [rolledBack, trafficOff] = docs as [Record<string, unknown>, Record<string, unknown>];
    expect(rolledBack).toMatchObject({
      DeploymentsRolledBack: 1,
      pipeline: 'payments',
      outcome: 'rolled_back',
    });
    expect(trafficOff).toMatchObject({ AlarmToTrafficOffSeconds: 42.5, pipeline: 'orders' });
    expect(trafficOff).not.toHaveProperty('outcome');
    const directive = (trafficOff._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics[0];
    expect(directive).toMatchObject({
      Namespace: 'Breakwater',
      Dimensions: [expect.arrayContaining(['service', 'pipeline'])],
      Metrics: [{ Name: 'AlarmToTrafficOffSeconds', Unit: 'Seconds' }],
    });
  });
});
