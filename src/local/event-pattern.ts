/*
 * EventBridge event patterns, matched the way EventBridge documents its content filtering, for
 * the embedded event bus. Sources (AWS EventBridge user guide):
 *   - "Content filtering in Amazon EventBridge event patterns"
 *     https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html
 *   - "Comparison operators for use in event patterns"
 *     https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 *   - "Arrays in Amazon EventBridge event patterns"
 *     https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 *   - "Matching events on null values and empty strings"
 *     https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 *   - aws/event-ruler's README (the matcher behind EventBridge) for the type rules: prefix,
 *     suffix and equals-ignore-case work on strings only, numeric on JSON numbers only, exists
 *     only on leaf nodes.
 *
 * The rules implemented:
 *   - Every field named in the pattern must match (AND); a field's array of matchers matches when
 *     any of them does (OR). A field the event lacks matches only `{ "exists": false }`.
 *   - An object in the pattern matches an object in the event field by field (nesting).
 *   - When the event's value is an array, the field matches when any element matches; an object
 *     pattern matches an array of objects when any element matches it.
 *   - Exact values are strings, numbers, booleans and null, compared with their type: `"5"` is not
 *     `5`, and null is not `""`.
 *   - `prefix` / `suffix` (optionally `{ "equals-ignore-case": ... }` inside), `equals-ignore-case`:
 *     string values only.
 *   - `anything-but`: a value, a list of values, or `{ prefix }`, `{ suffix }`,
 *     `{ equals-ignore-case }` (one string or a list); matches any value present that is not one
 *     of them (a non-string never begins or ends with a string).
 *   - `numeric`: `[op, n]` or `[op, n, op, n]` with `<`, `<=`, `=`, `>`, `>=`, JSON numbers only.
 *   - `exists`: true when the field has a leaf value (null included; an object or an empty array
 *     is not a leaf), false when it has none.
 * Anything else (`wildcard`, `cidr`, `$or`, ...) is refused with {@link EventPatternError} rather
 * than silently never matching.
 */

/** An EventBridge event pattern: field → matchers, or field → nested pattern. */
export interface EventPattern {
  readonly [field: string]: readonly unknown[] | EventPattern;
}

/** A pattern EventBridge would refuse, or one using an operator this matcher does not implement. */
export class EventPatternError extends Error {
  constructor(
    message: string,
    /** Where in the pattern: `detail.state[0]`. */
    readonly path: string,
  ) {
    super(`event pattern ${path === '' ? '(root)' : path}: ${message}`);
    this.name = 'EventPatternError';
  }
}

type Leaf = string | number | boolean | null;

const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * Whether `event` matches `pattern`. Pure; throws {@link EventPatternError} for a malformed
 * pattern or an unsupported operator (check a rule once with {@link assertEventPattern}).
 *
 * @example
 * matchesEventPattern(
 *   { source: ['aws.cloudwatch'], detail: { state: { value: ['ALARM'] } } },
 *   { source: 'aws.cloudwatch', detail: { state: { value: 'ALARM' } } },
 * ); // true
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern as Record<string, unknown>, event, '');
}

/**
 * Checks a pattern without matching anything: the same errors {@link matchesEventPattern} would
 * throw, found when a rule is added instead of when an event first reaches that branch.
 *
 * @example assertEventPattern({ detail: { state: [{ wildcard: 'AL*' }] } }) // throws EventPatternError
 */
export function assertEventPattern(pattern: unknown): asserts pattern is EventPattern {
  if (!isObject(pattern)) throw new EventPatternError('expected an object', '');
  validateObject(pattern, '');
}

function validateObject(pattern: Record<string, unknown>, path: string): void {
  for (const [field, sub] of Object.entries(pattern)) {
    const at = path === '' ? field : `${path}.${field}`;
    if (field === '$or') throw new EventPatternError('"$or" is not supported by the local event bus', at);
    if (Array.isArray(sub)) {
      if (sub.length === 0) throw new EventPatternError('expected at least one value to match, got []', at);
      sub.forEach((matcher, i) => {
        validateMatcher(matcher, `${at}[${i}]`);
      });
    } else if (isObject(sub)) {
      validateObject(sub, at);
    } else {
      throw new EventPatternError(
        `expected an array of values or a nested pattern, got ${JSON.stringify(sub)}`,
        at,
      );
    }
  }
}

function validateMatcher(matcher: unknown, path: string): void {
  if (isLeaf(matcher)) return;
  if (!isObject(matcher)) throw new EventPatternError(`unexpected value ${JSON.stringify(matcher)}`, path);
  const keys = Object.keys(matcher);
  if (keys.length !== 1) {
    throw new EventPatternError(`expected one operator per matcher, got ${JSON.stringify(matcher)}`, path);
  }
  const op = keys[0] as string;
  const arg = matcher[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (isObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string')
        return;
      throw new EventPatternError(`"${op}" expects a string or { "equals-ignore-case": string }`, path);
    case 'equals-ignore-case':
      if (typeof arg === 'string') return;
      throw new EventPatternError('"equals-ignore-case" expects a string', path);
    case 'exists':
      if (typeof arg === 'boolean') return;
      throw new EventPatternError('"exists" expects true or false', path);
    case 'numeric':
      numericRange(arg, path);
      return;
    case 'anything-but':
      validateAnythingBut(arg, path);
      return;
    default:
      throw new EventPatternError(`operator "${op}" is not supported by the local event bus`, path);
  }
}

function validateAnythingBut(arg: unknown, path: string): void {
  const homogeneous = (list: readonly unknown[]) =>
    list.length > 0 && (list.every((v) => typeof v === 'string') || list.every((v) => typeof v === 'number'));
  if (typeof arg === 'string' || typeof arg === 'number') return;
  if (Array.isArray(arg) && homogeneous(arg)) return;
  if (isObject(arg) && Object.keys(arg).length === 1) {
    const [op, value] = Object.entries(arg)[0] as [string, unknown];
    if ((op === 'prefix' || op === 'suffix') && typeof value === 'string') return;
    if (op === 'equals-ignore-case') {
      if (typeof value === 'string') return;
      if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return;
    }
  }
  throw new EventPatternError(
    '"anything-but" expects a string, a number, a list of only strings or only numbers, ' +
      'or { prefix | suffix | equals-ignore-case }',
    path,
  );
}

type Comparison = readonly [op: string, bound: number];

function numericRange(arg: unknown, path: string): Comparison[] {
  const fail = () =>
    new EventPatternError(
      '"numeric" expects [op, number] or [op, number, op, number] with <, <=, =, >, >=',
      path,
    );
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) throw fail();
  const comparisons: Comparison[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPERATORS.has(op) || typeof bound !== 'number') throw fail();
    comparisons.push([op, bound]);
  }
  return comparisons;
}

function matchObject(pattern: Record<string, unknown>, event: unknown, path: string): boolean {
  for (const [field, sub] of Object.entries(pattern)) {
    const at = path === '' ? field : `${path}.${field}`;
    if (field === '$or') throw new EventPatternError('"$or" is not supported by the local event bus', at);
    const value = isObject(event) ? event[field] : undefined;
    if (Array.isArray(sub)) {
      if (sub.length === 0) throw new EventPatternError('expected at least one value to match, got []', at);
      if (!matchField(sub, leavesOf(value), at)) return false;
    } else if (isObject(sub)) {
      // Absent, or not an object: only `exists: false` inside can match (there is no leaf there).
      const objects = Array.isArray(value) ? value.filter(isObject) : isObject(value) ? [value] : [];
      const matched =
        objects.length === 0
          ? matchObject(sub, undefined, at)
          : objects.some((candidate) => matchObject(sub, candidate, at));
      if (!matched) return false;
    } else {
      throw new EventPatternError(
        `expected an array of values or a nested pattern, got ${JSON.stringify(sub)}`,
        at,
      );
    }
  }
  return true;
}

/** The leaf values at a field: none when absent or an object; an array's leaf elements, flattened. */
function leavesOf(value: unknown): Leaf[] {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return isLeaf(value) ? [value] : [];
}

function matchField(matchers: readonly unknown[], leaves: readonly Leaf[], path: string): boolean {
  return matchers.some((matcher, i) => {
    const at = `${path}[${i}]`;
    if (isObject(matcher) && 'exists' in matcher) {
      validateMatcher(matcher, at);
      return matcher.exists === leaves.length > 0;
    }
    return leaves.some((leaf) => matchLeaf(matcher, leaf, at));
  });
}

function matchLeaf(matcher: unknown, leaf: Leaf, path: string): boolean {
  if (isLeaf(matcher)) return matcher === leaf;
  validateMatcher(matcher, path);
  const [op, arg] = Object.entries(matcher as Record<string, unknown>)[0] as [string, unknown];
  switch (op) {
    case 'prefix':
    case 'suffix':
      return typeof leaf === 'string' && affixMatches(op, arg, leaf);
    case 'equals-ignore-case':
      return typeof leaf === 'string' && leaf.toLowerCase() === (arg as string).toLowerCase();
    case 'numeric':
      return (
        typeof leaf === 'number' && numericRange(arg, path).every(([o, bound]) => compare(leaf, o, bound))
      );
    case 'anything-but':
      return !anythingButExcludes(arg, leaf);
    default:
      return false;
  }
}

function affixMatches(op: 'prefix' | 'suffix', arg: unknown, leaf: string): boolean {
  const ignoreCase = isObject(arg);
  const affix = ignoreCase ? (arg['equals-ignore-case'] as string) : (arg as string);
  const subject = ignoreCase ? leaf.toLowerCase() : leaf;
  const wanted = ignoreCase ? affix.toLowerCase() : affix;
  return op === 'prefix' ? subject.startsWith(wanted) : subject.endsWith(wanted);
}

/** Whether an `anything-but` argument names this value (so the matcher does not match it). */
function anythingButExcludes(arg: unknown, leaf: Leaf): boolean {
  if (Array.isArray(arg)) return arg.includes(leaf);
  if (!isObject(arg)) return arg === leaf;
  if (typeof leaf !== 'string') return false;
  const [op, value] = Object.entries(arg)[0] as [string, unknown];
  if (op === 'prefix') return leaf.startsWith(value as string);
  if (op === 'suffix') return leaf.endsWith(value as string);
  const names = Array.isArray(value) ? (value as string[]) : [value as string];
  return names.some((name) => name.toLowerCase() === leaf.toLowerCase());
}

function compare(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '=':
      return value === bound;
    case '>':
      return value > bound;
    default:
      return value >= bound;
  }
}
