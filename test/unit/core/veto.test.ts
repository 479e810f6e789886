import { describe, expect, it } from 'vitest';
import {
  describeVeto,
  isVetoInForce,
  liftHint,
  refusalOfVetoedChange,
  vetoEffect,
} from '../../../src/core/veto.js';

const veto = { by: 'alice', reason: 'corrupts carts', at: '2026-12-07T10:00:00.000Z' };

describe('vetoEffect', () => {
  it.each([
    ['running', 'roll-back'],
    ['rolling_back', 'mark'],
    ['succeeded', 'mark'],
    ['rolled_back', 'mark'],
    ['failed', 'mark'],
    ['superseded', 'mark'],
    ['expired', 'mark'],
  ])('a %s deployment of a vetoed change: %s', (status, effect) => {
    expect(vetoEffect(status)).toBe(effect);
  });
});

describe('isVetoInForce', () => {
  it('holds while a veto is present and not lifted', () => {
    expect(isVetoInForce(veto)).toBe(true);
    expect(isVetoInForce({ ...veto, lifted: { by: 'bob', reason: 'fine', at: veto.at } })).toBe(false);
    expect(isVetoInForce(undefined)).toBe(false);
  });
});

describe('veto messages', () => {
  it('name who vetoed, when and why, and how to lift it (path parts URL-encoded)', () => {
    expect(describeVeto('abc', veto)).toBe(
      'change abc was vetoed by alice at 2026-12-07T10:00:00.000Z: corrupts carts',
    );
    expect(liftHint('payments', 'build/42')).toBe(
      'lift the veto first: POST /pipelines/payments/changes/build%2F42/veto/lift (breakwater unveto payments build/42)',
    );
    expect(refusalOfVetoedChange('payments', 'abc', veto)).toBe(
      'change abc was vetoed by alice at 2026-12-07T10:00:00.000Z: corrupts carts; it does not start on pipeline payments: ' +
        'lift the veto first: POST /pipelines/payments/changes/abc/veto/lift (breakwater unveto payments abc)',
    );
  });
});
