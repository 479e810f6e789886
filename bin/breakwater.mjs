#!/usr/bin/env node
// The `breakwater` command. Installed, the package has no src/ and this runs the compiled CLI
// (dist/, built by `npm run build`), with no TypeScript loader. In a clone, the sources win (no
// build step, never a stale dist/): they run through tsx, a dependency of the repository.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/src/cli/main.js');
}
