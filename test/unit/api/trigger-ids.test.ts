import { describe, expect, it } from 'vitest';
import { triggeredDeploymentId } from '../../../src/api/triggers.js';

describe('triggeredDeploymentId', () => {
  it('keeps prefix, delivery and pipeline when they form a valid id', () => {
    expect(triggeredDeploymentId('gh', '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'payments')).toBe(
      'gh-72d3162e-cc78-11e3-81ab-4c9367dc0958-payments',
    );
  });

  it('hashes ids that would be too long or carry other characters, into at most 80 valid characters', () => {
    const long = triggeredDeploymentId('gh', '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'p'.repeat(80));
    const dotted = triggeredDeploymentId('gh', 'delivery', 'payments.eu');

    for (const id of [long, dotted]) expect(id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(dotted).toMatch(/^gh-delivery-payments_eu-[0-9a-f]{16}$/);
  });

  it('is the same for the same delivery and differs between pipelines and deliveries', () => {
    const a = triggeredDeploymentId('gh', 'd1', 'x'.repeat(90));
    expect(triggeredDeploymentId('gh', 'd1', 'x'.repeat(90))).toBe(a);
    expect(triggeredDeploymentId('gh', 'd2', 'x'.repeat(90))).not.toBe(a);
    expect(triggeredDeploymentId('gh', 'd1', `${'x'.repeat(89)}y`)).not.toBe(a);
  });
});
