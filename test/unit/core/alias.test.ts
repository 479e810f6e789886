import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decidePrepare,
  decideRollback,
  decideShift,
  desiredRouting,
  type Routing,
  sameRouting,
} from '../../../src/core/alias.js';
import { UnsafeTargetStateError } from '../../../src/core/errors.js';

const PREV = '7';
const NEW = '8';

function only(version: string): Routing {
  return { primary: version, candidate: null };
}

function split(primary: string, version: string, weight: number): Routing {
  return { primary, candidate: { version, weight } };
}

describe('desiredRouting', () => {
  it.each<[string, string, string, number, Routing]>([
    ['keeps everything on the previous version at 0%', PREV, NEW, 0, only(PREV)],
    ['keeps everything on the previous version below 0%', PREV, NEW, -5, only(PREV)],
    ['splits off the one-box weight', PREV, NEW, 10, split(PREV, NEW, 10)],
    ['splits a fractional weight', PREV, NEW, 0.5, split(PREV, NEW, 0.5)],
    ['splits just below 100%', PREV, NEW, 99.9, split(PREV, NEW, 99.9)],
    ['routes only to the new version at 100%', PREV, NEW, 100, only(NEW)],
    ['routes only to the new version above 100%', PREV, NEW, 150, only(NEW)],
    ['never splits between a version and itself', NEW, NEW, 33, only(NEW)],
  ])('%s', (_case, previous, next, weight, expected) => {
    // Act
    const routing = desiredRouting(previous, next, weight);

    // Assess
    expect(routing).toEqual(expected);
  });
});

describe('sameRouting', () => {
  it.each<[string, Routing, Routing, boolean]>([
    ['equal single versions', only(PREV), only(PREV), true],
    ['different single versions', only(PREV), only(NEW), false],
    ['a split and a single version', split(PREV, NEW, 10), only(PREV), false],
    ['splits that differ by rounding noise only', split(PREV, NEW, 0.1 + 0.2), split(PREV, NEW, 0.3), true],
    ['splits with different weights', split(PREV, NEW, 10), split(PREV, NEW, 33), false],
    ['splits to different versions', split(PREV, NEW, 10), split(PREV, '9', 10), false],
  ])('compares %s', (_case, a, b, same) => {
    expect(sameRouting(a, b)).toBe(same);
  });
});

describe('decideShift', () => {
  it.each<[string, Routing, number, Routing]>([
    ['starts the one-box from the previous version', only(PREV), 10, split(PREV, NEW, 10)],
    ['moves a split to the next rolling weight', split(PREV, NEW, 10), 33, split(PREV, NEW, 33)],
    ['finishes the rollout at 100%', split(PREV, NEW, 66), 100, only(NEW)],
    ['moves traffic back when asked for a lower weight', split(PREV, NEW, 66), 10, split(PREV, NEW, 10)],
  ])('%s', (_case, current, weight, expected) => {
    // Act
    const update = decideShift(current, PREV, NEW, weight);

    // Assess
    expect(update).toEqual(expected);
  });

  it.each<[string, Routing, number]>([
    ['at the one-box weight', split(PREV, NEW, 10), 10],
    ['at 100%', only(NEW), 100],
    ['at 0%', only(PREV), 0],
  ])(
    'does nothing when the alias is already there %s (a retried step is a no-op)',
    (_case, current, weight) => {
      expect(decideShift(current, PREV, NEW, weight)).toBeNull();
    },
  );

  it.each<[string, Routing]>([
    ['a third version serves everything', only('6')],
    ['a third version is the primary of a split', split('6', NEW, 10)],
    ['the split goes to a third version', split(PREV, '9', 10)],
    ['the previous version is the candidate', split(NEW, PREV, 10)],
  ])('refuses to touch an alias when %s', (_case, current) => {
    // Act
    const act = () => decideShift(current, PREV, NEW, 33);

    // Assess
    expect(act).toThrow(UnsafeTargetStateError);
    expect(act).toThrow(/someone else changed it/);
  });
});

describe('decideRollback', () => {
  it.each<[string, Routing, ReturnType<typeof decideRollback>]>([
    ['does nothing when never shifted', only(PREV), { action: 'none' }],
    ['reverts a one-box split', split(PREV, NEW, 10), { action: 'revert', to: only(PREV) }],
    ['reverts a fully shifted alias', only(NEW), { action: 'revert', to: only(PREV) }],
    ['leaves an alias on a third version alone', only('6'), { action: 'foreign', detail: 'v6 at 100%' }],
    [
      'leaves an alias splitting to a third version alone',
      split(PREV, '9', 10),
      { action: 'foreign', detail: `v${PREV} + 10% on v9` },
    ],
  ])('%s', (_case, current, expected) => {
    expect(decideRollback(current, PREV, NEW)).toEqual(expected);
  });
});

describe('decideRollback past versions older changes withdrew', () => {
  it.each<[string, Routing, ReturnType<typeof decideRollback>]>([
    [
      'reverts the newer one-box over the withdrawn version',
      split('4', NEW, 10),
      { action: 'revert', to: only('3') },
    ],
    ['reverts the withdrawn version at 100%', only('4'), { action: 'revert', to: only('3') }],
    ['reverts its own version at 100%', only(NEW), { action: 'revert', to: only('3') }],
    ['does nothing once on the version before both', only('3'), { action: 'none' }],
    [
      'still leaves a version no one in the chain put there',
      only('9'),
      { action: 'foreign', detail: 'v9 at 100%' },
    ],
  ])('%s', (_case, current, expected) => {
    // The target recorded v4 (an older change's) as previous; that change rolled back to v3.
    expect(decideRollback(current, '3', NEW, ['4'])).toEqual(expected);
  });
});

describe('decidePrepare', () => {
  it.each<[string, Routing, string]>([
    ['the single version serving all traffic', only('5'), '5'],
    ['the primary of a split this deployment already started (a retried prepare)', split('5', NEW, 10), '5'],
  ])('takes %s as the previous version', (_case, current, previousVersion) => {
    expect(decidePrepare(current, NEW)).toEqual({ previousVersion });
  });

  it('refuses an alias already splitting traffic with another version', () => {
    // Act
    const act = () => decidePrepare(split('5', '6', 20), NEW);

    // Assess
    expect(act).toThrow(UnsafeTargetStateError);
    expect(act).toThrow('alias already routes v5 + 20% on v6');
  });
});

describe('properties', () => {
  const arbVersions = fc
    .tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }))
    .filter(([a, b]) => a !== b)
    .map(([a, b]) => [String(a), String(b)] as const);
  const arbWeight = fc.oneof(
    fc.integer({ min: -10, max: 110 }),
    fc.double({ min: -10, max: 110, noNaN: true, noDefaultInfinity: true }),
  );

  it('a shift, once applied, is not applied again', () => {
    fc.assert(
      fc.property(arbVersions, arbWeight, arbWeight, ([prev, next], from, to) => {
        const current = desiredRouting(prev, next, from);
        const applied = decideShift(current, prev, next, to) ?? current;
        expect(decideShift(applied, prev, next, to)).toBeNull();
      }),
    );
  });

  it('rolls any routing this deployment made back to the previous version at 100%', () => {
    fc.assert(
      fc.property(arbVersions, arbWeight, ([prev, next], weight) => {
        const decision = decideRollback(desiredRouting(prev, next, weight), prev, next);
        expect(decision).toEqual(weight <= 0 ? { action: 'none' } : { action: 'revert', to: only(prev) });
      }),
    );
  });
});
