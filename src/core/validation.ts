import type * as core from 'zod/v4/core';
import { type InputIssue, InvalidInputError } from './errors.js';

/** Renders a zod path as `waves[2].targets[0].alias`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // Too deep to print (a body nested thousands of levels): say what it is, not what it holds.
    return Array.isArray(value) ? 'an array nested too deep to show' : `a ${typeof value} too deep to show`;
  }
  if (json === undefined) return String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** Turns every zod issue into a path + message that quotes the value received. */
export function issuesFromZod(error: core.$ZodError, input: unknown): InputIssue[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    const received = valueAt(input, issue.path);
    let message = issue.message;
    if (issue.code === 'invalid_type') {
      message = `expected ${issue.expected}, got ${describeValue(received)}`;
    } else if (issue.code === 'unrecognized_keys') {
      message = `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    } else if (!/, got /.test(message) && issue.code !== 'custom') {
      message = `${message}, got ${describeValue(received)}`;
    }
    return { path, message, received };
  });
}

/**
 * Parses `input` with `schema`, throwing one {@link InvalidInputError} that lists every issue.
 *
 * @example parseOrThrow(PipelineSchema, json, 'pipeline "payments"')
 */
export function parseOrThrow<S extends core.$ZodType>(
  schema: S,
  input: unknown,
  what: string,
): core.output<S> {
  const result = (
    schema as unknown as {
      safeParse(
        v: unknown,
      ): { success: true; data: core.output<S> } | { success: false; error: core.$ZodError };
    }
  ).safeParse(input);
  if (result.success) return result.data;
  throw new InvalidInputError(what, issuesFromZod(result.error, input));
}

/**
 * Refuses a list whose items repeat an id (query ids key the answer: a repeat would merge two
 * queries' data), listing every repeat with its index.
 *
 * @example assertUniqueIds([{ id: 'a' }, { id: 'a' }], 'metric queries') // throws, path queries[1].id
 */
export function assertUniqueIds(items: readonly { readonly id: string }[], what: string): void {
  const seen = new Set<string>();
  const issues: InputIssue[] = [];
  items.forEach((item, index) => {
    if (seen.has(item.id)) {
      issues.push({
        path: `queries[${index}].id`,
        message: `expected ids unique within one call, got ${JSON.stringify(item.id)} again`,
        received: item.id,
      });
    }
    seen.add(item.id);
  });
  if (issues.length > 0) throw new InvalidInputError(what, issues);
}
