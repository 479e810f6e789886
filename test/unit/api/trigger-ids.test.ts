import { describe, expect, it } from 'vitest';
import { pushDeploymentId, triggeredDeploymentId } from '../../../src/api/triggers.js';

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

describe('pushDeploymentId', () => {
  const push = {
    repository: 'Codertocat/Hello-World',
    ref: 'refs/heads/master',
    commit: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  };

  it('names the commit and the pipeline, within 80 valid characters', () => {
    const id = pushDeploymentId('gh', push, 'hello');
    const long = pushDeploymentId('gh', push, 'p.q'.repeat(26));

    expect(id).toMatch(/^gh-6113728f27ae-hello-[0-9a-f]{16}$/);
    expect(long).toMatch(/^gh-6113728f27ae-p_qp_q[A-Za-z0-9_-]*-[0-9a-f]{16}$/);
    expect(long.length).toBeLessThanOrEqual(80);
  });

  it('is the same for the same push whatever the case of the repository name, so a replay names the same deployment', () => {
    expect(pushDeploymentId('gh', { ...push, repository: 'codertocat/hello-world' }, 'hello')).toBe(
      pushDeploymentId('gh', push, 'hello'),
    );
  });

  it('differs for another repository, ref, commit or pipeline', () => {
    const base = pushDeploymentId('gh', push, 'hello');
    const others = [
      pushDeploymentId('gh', { ...push, repository: 'Codertocat/Other' }, 'hello'),
      pushDeploymentId('gh', { ...push, ref: 'refs/heads/release' }, 'hello'),
      pushDeploymentId('gh', { ...push, commit: `${push.commit.slice(0, 39)}0` }, 'hello'),
      pushDeploymentId('gh', push, 'hello-image'),
    ];

    expect(new Set([base, ...others]).size).toBe(5);
  });
});
