import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The dependency arrows of DESIGN's layout, held by a scan of every import under src/:
 * functions/, infra/ and the scripts build on src/, never the other way round; core imports
 * nothing of ours outside itself; ports only core; the rules (workflow, api) and the handlers never
 * reach an adapter, the embedded engine or the CLI — a composition root injects those.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What each module of src/ may import of ours (its own files always). */
const ALLOWED: Record<string, readonly string[]> = {
  'src/core': [],
  'src/ports': ['src/core'],
  'src/adapters': ['src/ports', 'src/core'],
  'src/workflow': ['src/ports', 'src/core'],
  'src/api': ['src/workflow', 'src/ports', 'src/core'],
  'src/handlers': ['src/api', 'src/workflow', 'src/ports', 'src/core'],
  'src/local': ['src/handlers', 'src/adapters', 'src/api', 'src/workflow', 'src/ports', 'src/core'],
  'src/cli': ['src/local', 'src/handlers', 'src/api', 'src/workflow', 'src/ports', 'src/core', 'examples'],
  // The npm package's entry ('breakwater'): what pipeline and scenario files import.
  'src/index.ts': ['src/local', 'src/core'],
};

/** Relative module specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`. */
function relativeImportsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `src/core` for src/core/bake.ts, `src/index.ts` for itself, `functions` for functions/lib/env.ts. */
function moduleOf(path: string): string {
  const [top, second] = relative(ROOT, path).split('/');
  return top === 'src' ? `src/${second}` : top!;
}

interface ImportEdge {
  readonly file: string;
  readonly specifier: string;
  readonly from: string;
  readonly to: string;
}

const EDGES: readonly ImportEdge[] = tsFilesUnder(join(ROOT, 'src')).flatMap((path) =>
  relativeImportsOf(readFileSync(path, 'utf8')).map((specifier) => ({
    file: relative(ROOT, path),
    specifier,
    from: moduleOf(path),
    to: moduleOf(resolve(dirname(path), specifier)),
  })),
);

const describeEdge = (e: ImportEdge) => `${e.file} imports '${e.specifier}' (${e.to})`;

describe('dependency arrows', () => {
  it('reads every kind of import, across lines, and none in comments', () => {
    const source = [
      "import { a } from '../core/a.js';",
      "import type {\n  B,\n  C,\n} from '../ports/b.js';",
      "export { d } from './d.js';",
      "import './polyfill.js';",
      "const e = await import('../../functions/e.js');",
      "import { z } from 'zod';",
      "// import { f } from '../../infra/f.js';",
      "/* @example import { g } from '../../functions/g.js' */",
    ].join('\n');
    expect(relativeImportsOf(source)).toEqual([
      '../core/a.js',
      '../ports/b.js',
      './d.js',
      './polyfill.js',
      '../../functions/e.js',
    ]);
  });

  it('finds the imports of every module of src/', () => {
    expect(EDGES.length).toBeGreaterThan(500);
    expect(new Set(EDGES.map((e) => e.from))).toEqual(new Set(Object.keys(ALLOWED)));
  });

  it('never imports functions/, infra/, scripts/, bin/ or the tests from src/', () => {
    const backwards = EDGES.filter((e) =>
      ['functions', 'infra', 'scripts', 'bin', 'test', 'bench'].includes(e.to),
    );
    expect(backwards.map(describeEdge)).toEqual([]);
  });

  it('keeps src/core free of imports of ours outside src/core', () => {
    const outside = EDGES.filter((e) => e.from === 'src/core' && e.to !== 'src/core');
    expect(outside.map(describeEdge)).toEqual([]);
  });

  it('imports only along the arrows between the modules of src/', () => {
    const against = EDGES.filter((e) => e.to !== e.from && !ALLOWED[e.from]?.includes(e.to));
    expect(against.map(describeEdge)).toEqual([]);
  });
});
