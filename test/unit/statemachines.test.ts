import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAsl } from '../../scripts/gen-asl.js';
import { STATE_MACHINES, STEP_FUNCTIONS } from '../../src/ports/step-catalog.js';

const definitions = STATE_MACHINES.map((m) => ({ ...m, text: readFileSync(m.file, 'utf8') }));

describe('state machine definitions', () => {
  it.each(definitions)('$file passes asl-validator with JSONPath checks', ({ file }) => {
    const out = execFileSync(
      'node',
      ['node_modules/asl-validator/dist/bin/asl-validator.js', '--json-path', file],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/is valid/);
  });

  it.each(definitions)(
    '$file uses JSONPath only and names every resource through a substitution',
    ({ text }) => {
      const def = JSON.parse(text) as Record<string, unknown>;
      expect(def.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
      expect(text).not.toMatch(/\{%/);
      const resources = [...text.matchAll(/"Resource": "([^"]+)"/g)].map((m) => m[1]!);
      for (const r of resources) {
        expect(
          r === 'arn:aws:states:::states:startExecution.sync:2' || /^\$\{[A-Za-z]+FunctionArn\}$/.test(r),
        ).toBe(true);
      }
    },
  );

  it('references only step functions and state machines the catalog knows', () => {
    const known = new Set<string>([
      ...STEP_FUNCTIONS.map((s) => s.arnVariable),
      ...STATE_MACHINES.map((m) => m.arnVariable),
    ]);
    const used = new Set(
      definitions.flatMap((d) => [...d.text.matchAll(/\$\{([A-Za-z]+)\}/g)].map((m) => m[1]!)),
    );
    expect([...used].filter((u) => !known.has(u))).toEqual([]);
    expect(used.size).toBeGreaterThan(8);
  });

  it('are exactly what scripts/gen-asl.ts writes (edit the script, then npm run gen:asl)', () => {
    // Compared in memory: the test never rewrites the committed files.
    const rendered = renderAsl();
    expect(Object.keys(rendered).sort()).toEqual(STATE_MACHINES.map((m) => m.file).sort());
    for (const d of definitions) expect(rendered[d.file], d.file).toBe(d.text);
  });
});
