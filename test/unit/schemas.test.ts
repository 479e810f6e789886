import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../src/cli/schemas.js';

describe('published JSON Schemas', () => {
  it.each(Object.entries(jsonSchemas()))(
    'docs/schema/%s matches the zod schema the code validates with (run npm run docs:schema)',
    (name, schema) => {
      const committed = JSON.parse(readFileSync(`docs/schema/${name}`, 'utf8'));
      expect(committed).toEqual(JSON.parse(JSON.stringify(schema)));
    },
  );
});
