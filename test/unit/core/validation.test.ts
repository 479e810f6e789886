import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError } from '../../../src/core/errors.js';
import { parseOrThrow } from '../../../src/core/validation.js';

describe('parseOrThrow', () => {
  it('reports a value nested too deep to print as an input error, not a crash', () => {
    // Prepare: a body like [[[[…]]]] 10,000 levels deep, where an object was expected.
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const schema = z.object({ pipeline: z.string() });

    // Act
    const act = () => parseOrThrow(schema, deep, 'start request');

    // Assess
    expect(act).toThrow(InvalidInputError);
    expect(act).toThrow(/expected object, got an array nested too deep to show/);
  });
});
