import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidInputError } from '../core/errors.js';

/**
 * Imports a pipeline or scenario module. A TypeScript file that Node cannot load by itself (the
 * installed CLI is plain JavaScript, Node 20 strips no types) goes through tsx's `tsImport`, loaded
 * only then and only for that file; under a loader already (the repository's `npm run breakwater`,
 * the tests) the file is imported directly.
 */
async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(path)) throw error;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
}

/**
 * Reads a user document: JSON, or a TypeScript/JavaScript module whose default export (or a
 * named `pipeline` / `scenario` export) is the document. Problems become InvalidInputError with
 * the file and what was wrong, never a stack trace.
 */
export async function loadDocument(file: string, kind: 'pipeline' | 'scenario'): Promise<unknown> {
  const path = resolve(file);
  let text: string;
  if (/\.(m|c)?[jt]s$/.test(path)) {
    try {
      const mod = await importModule(path);
      const value = mod.default ?? mod[kind];
      if (value === undefined) {
        throw new InvalidInputError(file, [
          { path: '', message: `expected a default export (or an export named "${kind}")` },
        ]);
      }
      return value;
    } catch (error) {
      if (error instanceof InvalidInputError) throw error;
      const code = (error as { code?: string }).code;
      const message =
        code === 'ERR_MODULE_NOT_FOUND' && !/Cannot find package/.test(String(error))
          ? `file not found`
          : `could not load module: ${(error as Error).message}`;
      throw new InvalidInputError(file, [{ path: '', message }]);
    }
  }
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new InvalidInputError(file, [
      { path: '', message: code === 'ENOENT' ? 'file not found' : `cannot read: ${String(error)}` },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(file, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }]);
  }
}
