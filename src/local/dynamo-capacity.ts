import {
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  BuildMiddleware,
  HandlerExecutionContext,
  InitializeMiddleware,
  MetadataBearer,
} from '@smithy/types';

/*
 * DynamoDB capacity as AWS on-demand bills it, for the local DynamoDB. dynalite does return
 * ConsumedCapacity when asked, but not what AWS would bill: it leaves out global secondary index
 * writes (AWS's TOTAL includes them), returns nothing for a failed conditional write (AWS still
 * consumes write units), counts strings in UTF-16 code units rather than UTF-8 bytes, and reports
 * 0 for a Query that finds nothing. So units are computed here, from item sizes, with the rules of
 * the DynamoDB Developer Guide ("DynamoDB item sizes and formats", "DynamoDB read and write
 * operations", "Provisioned throughput considerations for Global Secondary Indexes"):
 *
 *   item size    attribute names (UTF-8) + values: S = UTF-8 bytes, N ≈ 1 byte per 2 significant
 *                digits + 1, B = raw bytes, BOOL/NULL = 1, L/M = 3 + 1 per element + elements,
 *                sets = their elements
 *   reads        ⌈size / 4 KB⌉ per item (GetItem), ⌈Σ sizes / 4 KB⌉ per Query/Scan page, at least
 *                one unit; × ½ when eventually consistent (the default; a GSI is always)
 *   writes       ⌈max(size before, size after) / 1 KB⌉, at least 1; a delete the size deleted
 *   GSI writes   per index: put the entry (1), delete it (1), key changed (2: delete + put),
 *                projected attributes changed (1), untouched (0); ⌈entry size / 1 KB⌉ each
 *   failed       ConditionalCheckFailed: ⌈max(existing item, item put) / 1 KB⌉, at least 1
 *
 * Sizes need the item as it was before a write and after it. A Put or Delete that returns nothing
 * is sent with ReturnValues ALL_OLD, an Update with ALL_NEW, and the caller gets the output it
 * asked for; what the response does not tell, the meter reads (consistently, through a client of
 * its own that is not metered), with the other writes to that key held back meanwhile, so
 * concurrent writers of one item cannot make it see the wrong "before". Projections, filters
 * and Select do not reduce what AWS bills, so such a read is repeated without them to see every
 * item it evaluated.
 *
 * Not metered: transactions and PartiQL (dynalite has neither), control-plane calls (CreateTable,
 * DescribeTable: free on AWS), requests to tables the meter was not told about, and requests that
 * fail for any other reason than a condition (AWS does not bill them).
 */

type Item = Record<string, AttributeValue>;

const KB = 1024;
const READ_UNIT_BYTES = 4 * KB;

/** Read and write request units consumed so far. */
export interface ConsumedCapacityUnits {
  readonly readUnits: number;
  readonly writeUnits: number;
}

// --- item sizes --------------------------------------------------------------------------------

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Size of a number: 1 byte per two significant digits (leading and trailing zeros trimmed) + 1. */
function numberSize(n: string): number {
  const mantissa = n.replace(/^[+-]/, '').split(/e/i)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + utf8(k) + valueSize(v), 0);
  return 0;
}

/**
 * An item's size in bytes as DynamoDB counts it for capacity.
 *
 * @example itemSize({ pk: { S: 'a' } }) // 3: "pk" and "a"
 */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

/** Read units for `bytes` read in one GetItem item or one Query/Scan page. */
export function readUnitsFor(bytes: number, consistent: boolean): number {
  return Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * (consistent ? 1 : 0.5);
}

/** Write units for writing (or deleting) an item of `bytes`. */
export function writeUnitsFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KB));
}

// --- table layout and write units ----------------------------------------------------------------

interface IndexLayout {
  readonly name: string;
  readonly keys: readonly string[];
  /** Attributes an entry carries besides the keys; `'all'` for ProjectionType ALL. */
  readonly projected: 'all' | readonly string[];
}

/** The keys and secondary indexes of one table: what decides item keys and index writes. */
export interface TableLayout {
  readonly keys: readonly string[];
  readonly indexes: readonly IndexLayout[];
}

/**
 * The layout of a table from its CreateTable input.
 *
 * @example tableLayout(tableDefinition('breakwater')).indexes[0].name // 'gsi1'
 */
export function tableLayout(definition: CreateTableCommandInput): TableLayout {
  const keysOf = (schema: { AttributeName?: string | undefined }[] | undefined) =>
    (schema ?? []).map((k) => k.AttributeName ?? '');
  const indexes = [...(definition.GlobalSecondaryIndexes ?? []), ...(definition.LocalSecondaryIndexes ?? [])];
  return {
    keys: keysOf(definition.KeySchema),
    indexes: indexes.map((index) => ({
      name: index.IndexName ?? '',
      keys: keysOf(index.KeySchema),
      projected:
        index.Projection?.ProjectionType === 'ALL'
          ? 'all'
          : index.Projection?.ProjectionType === 'INCLUDE'
            ? (index.Projection.NonKeyAttributes ?? [])
            : [],
    })),
  };
}

/** The item's entry in the index, or undefined when the item lacks a key attribute of the index. */
function indexEntry(layout: TableLayout, index: IndexLayout, item: Item | undefined): Item | undefined {
  if (!item || index.keys.some((k) => item[k] === undefined)) return undefined;
  if (index.projected === 'all') return item;
  const entry: Item = {};
  for (const name of [...layout.keys, ...index.keys, ...index.projected]) {
    const value = item[name];
    if (value !== undefined) entry[name] = value;
  }
  return entry;
}

/** A string equal for equal values: map keys and set elements sorted. */
function canonical(value: AttributeValue | Item): string {
  if ('S' in value || 'N' in value || 'BOOL' in value || 'NULL' in value) return JSON.stringify(value);
  const v = value as AttributeValue;
  if (v.B !== undefined) return `{"B":"${Buffer.from(v.B).toString('base64')}"}`;
  if (v.SS !== undefined) return JSON.stringify({ SS: [...v.SS].sort() });
  if (v.NS !== undefined) return JSON.stringify({ NS: [...v.NS].sort() });
  if (v.BS !== undefined)
    return JSON.stringify({ BS: v.BS.map((b) => Buffer.from(b).toString('base64')).sort() });
  if (v.L !== undefined) return `{"L":[${v.L.map(canonical).join(',')}]}`;
  const map = (v.M ?? value) as Item;
  const body = Object.keys(map)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(map[k] as AttributeValue)}`)
    .join(',');
  return v.M !== undefined ? `{"M":{${body}}}` : `{${body}}`;
}

/**
 * Write units of one successful write that turned `before` into `after` (either absent when the
 * item did not exist or was deleted): the table's, plus each secondary index's.
 *
 * @example writeUnits(layout, undefined, { pk: { S: 'a' }, sk: { S: 'b' } }) // 1
 */
export function writeUnits(layout: TableLayout, before: Item | undefined, after: Item | undefined): number {
  let units = writeUnitsFor(Math.max(itemSize(before), itemSize(after)));
  for (const index of layout.indexes) {
    const old = indexEntry(layout, index, before);
    const now = indexEntry(layout, index, after);
    if (!old && !now) continue;
    if (!old && now) units += writeUnitsFor(itemSize(now));
    else if (old && !now) units += writeUnitsFor(itemSize(old));
    else if (old && now) {
      const keyChanged = index.keys.some(
        (k) => canonical(old[k] as AttributeValue) !== canonical(now[k] as AttributeValue),
      );
      if (keyChanged) units += writeUnitsFor(itemSize(old)) + writeUnitsFor(itemSize(now));
      else if (canonical(old) !== canonical(now))
        units += writeUnitsFor(Math.max(itemSize(old), itemSize(now)));
    }
  }
  return units;
}

/**
 * Write units a write consumes when its condition fails: the larger of the existing item and the
 * item it tried to write, at least one. Indexes are untouched. For an Update the item it would
 * have written is not computed (that would mean evaluating the update expression); the existing
 * item stands in for it.
 */
export function failedWriteUnits(existing: Item | undefined, attempted: Item | undefined): number {
  return writeUnitsFor(Math.max(itemSize(existing), itemSize(attempted)));
}

// --- document values --------------------------------------------------------------------------

/**
 * A DocumentClient value in AttributeValue form, for sizing: the DocumentClient's marshalling
 * with undefined values removed (as `removeUndefinedValues` does).
 */
function toAttributeValue(value: unknown): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Uint8Array) return { B: value };
  if (value instanceof Set) {
    const elements = [...value];
    if (elements.every((e) => typeof e === 'string')) return { SS: elements };
    if (elements.every((e) => e instanceof Uint8Array)) return { BS: elements };
    return { NS: elements.map((e) => String(typeof e === 'object' ? (e as { value: string }).value : e)) };
  }
  if (Array.isArray(value)) {
    return { L: value.map(toAttributeValue).filter((v): v is AttributeValue => v !== undefined) };
  }
  // lib-dynamodb's NumberValue keeps a number's digits as a string.
  if (typeof value === 'object' && value.constructor?.name === 'NumberValue')
    return { N: String((value as { value: string }).value) };
  return { M: fromDocument(value as Record<string, unknown>) };
}

function fromDocument(document: Record<string, unknown>): Item {
  const item: Item = {};
  for (const [k, v] of Object.entries(document)) {
    const av = toAttributeValue(v);
    if (av !== undefined) item[k] = av;
  }
  return item;
}

// --- the meter ---------------------------------------------------------------------------------

/** Read shapes that make AWS bill more than the response shows. */
const NARROWING_FIELDS = [
  'ProjectionExpression',
  'AttributesToGet',
  'Select',
  'FilterExpression',
  'QueryFilter',
  'ScanFilter',
  'ConditionalOperator',
] as const;

type Input = Record<string, unknown>;

const RETURN_VALUES_FOR_SIZING: Readonly<Record<string, string>> = {
  PutItemCommand: 'ALL_OLD',
  DeleteItemCommand: 'ALL_OLD',
  UpdateItemCommand: 'ALL_NEW',
};
type Output = Record<string, unknown> & MetadataBearer;

/**
 * Counts the read and write request units of every item request a DynamoDB client sends, as
 * AWS on-demand would bill them (rules above). Add {@link middleware} to the client's stack.
 *
 * @example
 * const meter = new CapacityMeter({ breakwater: tableDefinition('breakwater') }, shadowClient);
 * client.middlewareStack.add(meter.middleware, { step: 'build', name: 'capacityMeter' });
 * meter.consumed; // { readUnits: 3.5, writeUnits: 12 }
 */
export class CapacityMeter {
  private read = 0;
  private written = 0;
  private readonly layouts: Map<string, TableLayout>;
  private readonly locks = new Map<string, Promise<void>>();
  /** Requests whose ReturnValues the meter set (see {@link returnValuesMiddleware}). */
  private readonly injected = new WeakSet<HandlerExecutionContext>();

  /**
   * @param tables the tables to meter, by name
   * @param shadow a client of the same endpoint without this meter, for the reads sizing needs
   */
  constructor(
    tables: Readonly<Record<string, CreateTableCommandInput>>,
    private readonly shadow: DynamoDBClient,
  ) {
    this.layouts = new Map(Object.entries(tables).map(([name, def]) => [name, tableLayout(def)]));
  }

  /**
   * An initialize-step middleware that saves sizing reads: a Put or Delete that returns nothing
   * asks for ALL_OLD, an Update that returns nothing for ALL_NEW, and {@link middleware} removes
   * what the caller did not ask for before it sees the output.
   */
  readonly returnValuesMiddleware: InitializeMiddleware<object, MetadataBearer> =
    (next, context) => async (args) => {
      const input = args.input as Input;
      const wanted = RETURN_VALUES_FOR_SIZING[context.commandName ?? ''];
      if (!wanted || !this.layouts.has(String(input.TableName)) || (input.ReturnValues ?? 'NONE') !== 'NONE')
        return next(args);
      this.injected.add(context);
      return next({ ...args, input: { ...input, ReturnValues: wanted } });
    };

  get consumed(): ConsumedCapacityUnits {
    return { readUnits: this.read, writeUnits: this.written };
  }

  /**
   * A build-step middleware: the input is in AttributeValue form there (the DocumentClient
   * marshalled it in the serialize step), the output in the form the caller sees.
   */
  readonly middleware: BuildMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const input = args.input as Input;
    const command = context.commandName;
    if (command === 'BatchGetItemCommand') return this.batchGet(() => next(args), input);
    if (command === 'BatchWriteItemCommand') return this.batchWrite(() => next(args), input);
    const table = String(input.TableName);
    const layout = this.layouts.get(table);
    if (!layout) return next(args);
    const document = isDocumentCommand(context);
    const items = (value: unknown): Item[] =>
      ((value as unknown[] | undefined) ?? []).map((i) =>
        document ? fromDocument(i as Record<string, unknown>) : (i as Item),
      );
    switch (command) {
      case 'GetItemCommand': {
        const result = await next(args);
        const item = narrowed(input)
          ? await this.getItem(table, input.Key as Item)
          : items([(result.output as Output).Item].filter(Boolean))[0];
        this.read += readUnitsFor(itemSize(item), input.ConsistentRead === true);
        return result;
      }
      case 'QueryCommand':
      case 'ScanCommand': {
        const result = await next(args);
        const evaluated = narrowed(input)
          ? await this.evaluatedItems(command, input)
          : items((result.output as Output).Items);
        const bytes = evaluated.reduce((sum, i) => sum + itemSize(i), 0);
        this.read += readUnitsFor(bytes, input.ConsistentRead === true);
        return result;
      }
      case 'PutItemCommand':
      case 'UpdateItemCommand':
      case 'DeleteItemCommand': {
        const put = command === 'PutItemCommand' ? (input.Item as Item) : undefined;
        const key = put ? keyOf(layout, put) : ((input.Key as Item | undefined) ?? {});
        const returned = input.ReturnValues;
        return this.exclusive([lockKey(table, layout, key)], async () => {
          // Put and Delete return the item before with ALL_OLD; an Update has to choose.
          let before = returned === 'ALL_OLD' ? undefined : await this.getItem(table, key);
          try {
            const result = await next(args);
            const attributes = items([(result.output as Output).Attributes].filter(Boolean))[0];
            if (returned === 'ALL_OLD') before = attributes;
            let after = put;
            if (command === 'UpdateItemCommand')
              after = returned === 'ALL_NEW' ? attributes : await this.getItem(table, key);
            this.written += writeUnits(layout, before, after);
            if (this.injected.has(context)) delete (result.output as Output).Attributes;
            return result;
          } catch (error) {
            if ((error as Error | undefined)?.name === 'ConditionalCheckFailedException') {
              // Nothing changed, and no other write to the key can run meanwhile.
              if (returned === 'ALL_OLD') before = await this.getItem(table, key);
              this.written += failedWriteUnits(before, put);
            }
            throw error;
          }
        });
      }
      default:
        return next(args);
    }
  };

  /** Each item of a BatchGetItem is its own read, rounded on its own; it is read whole, as AWS sizes it. */
  private async batchGet<R extends { output: MetadataBearer }>(
    send: () => Promise<R>,
    input: Input,
  ): Promise<R> {
    const result = await send();
    const requested = (input.RequestItems ?? {}) as Record<string, Input>;
    const unprocessed = ((result.output as Output).UnprocessedKeys ?? {}) as Record<string, Input>;
    for (const [table, request] of Object.entries(requested)) {
      const layout = this.layouts.get(table);
      if (!layout) continue;
      const skipped = new Set(
        ((unprocessed[table]?.Keys as Item[] | undefined) ?? []).map((k) => lockKey(table, layout, k)),
      );
      for (const key of (request.Keys as Item[] | undefined) ?? []) {
        if (skipped.has(lockKey(table, layout, key))) continue;
        const item = await this.getItem(table, key);
        this.read += readUnitsFor(itemSize(item), request.ConsistentRead === true);
      }
    }
    return result;
  }

  /** Each request of a BatchWriteItem is its own PutItem or DeleteItem. */
  private async batchWrite<R extends { output: MetadataBearer }>(
    send: () => Promise<R>,
    input: Input,
  ): Promise<R> {
    type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } };
    const writes: { table: string; layout: TableLayout; key: Item; put?: Item }[] = [];
    for (const [table, requests] of Object.entries(
      (input.RequestItems ?? {}) as Record<string, WriteRequest[]>,
    )) {
      const layout = this.layouts.get(table);
      if (!layout) continue;
      for (const r of requests) {
        const put = r.PutRequest?.Item;
        writes.push({
          table,
          layout,
          key: put ? keyOf(layout, put) : (r.DeleteRequest?.Key ?? {}),
          ...(put ? { put } : {}),
        });
      }
    }
    return this.exclusive(
      writes.map((w) => lockKey(w.table, w.layout, w.key)),
      async () => {
        const befores = await Promise.all(writes.map((w) => this.getItem(w.table, w.key)));
        const result = await send();
        const unprocessed = ((result.output as Output).UnprocessedItems ?? {}) as Record<
          string,
          WriteRequest[]
        >;
        const skipped = new Set(
          Object.entries(unprocessed).flatMap(([table, requests]) => {
            const layout = this.layouts.get(table);
            if (!layout) return [];
            return requests.map((r) =>
              lockKey(
                table,
                layout,
                r.PutRequest ? keyOf(layout, r.PutRequest.Item) : (r.DeleteRequest?.Key ?? {}),
              ),
            );
          }),
        );
        writes.forEach((w, i) => {
          if (!skipped.has(lockKey(w.table, w.layout, w.key)))
            this.written += writeUnits(w.layout, befores[i], w.put);
        });
        return result;
      },
    );
  }

  private async getItem(table: string, key: Item): Promise<Item | undefined> {
    const { Item } = await this.shadow.send(
      new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  /** The items a narrowed Query or Scan page evaluated: the same request without projection or filter. */
  private async evaluatedItems(command: 'QueryCommand' | 'ScanCommand', input: Input): Promise<Item[]> {
    const whole: Input = { ...input };
    for (const field of NARROWING_FIELDS) delete whole[field];
    // Names and values only the removed expressions used would now be rejected as unused.
    const used = [whole.KeyConditionExpression].filter(Boolean).join(' ');
    whole.ExpressionAttributeNames = pick(input.ExpressionAttributeNames, used);
    whole.ExpressionAttributeValues = pick(input.ExpressionAttributeValues, used);
    const request =
      command === 'QueryCommand' ? new QueryCommand(whole as never) : new ScanCommand(whole as never);
    const { Items } = (await this.shadow.send(request as never)) as { Items?: Item[] };
    return Items ?? [];
  }

  /** Runs `work` while no other metered write to any of `keys` runs. */
  private async exclusive<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const waits = unique.map((k) => this.locks.get(k));
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const k of unique) this.locks.set(k, held);
    await Promise.all(waits);
    try {
      return await work();
    } finally {
      release();
      for (const k of unique) if (this.locks.get(k) === held) this.locks.delete(k);
    }
  }
}

/** Whether the response may show less than what was read (whole items, before any filter). */
function narrowed(input: Input): boolean {
  // ALL_ATTRIBUTES and ALL_PROJECTED_ATTRIBUTES (an index's entries, which is what a Query of it reads) show it all.
  const selectsPart = input.Select === 'COUNT' || input.Select === 'SPECIFIC_ATTRIBUTES';
  return selectsPart || NARROWING_FIELDS.some((f) => f !== 'Select' && input[f] !== undefined);
}

/** The entries of an ExpressionAttributeNames/Values map that `expression` uses. */
function pick(map: unknown, expression: string): Record<string, unknown> | undefined {
  if (!map) return undefined;
  const uses = (name: string) =>
    new RegExp(`${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`).test(expression);
  const kept = Object.fromEntries(Object.entries(map as Record<string, unknown>).filter(([k]) => uses(k)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function keyOf(layout: TableLayout, item: Item): Item {
  return Object.fromEntries(layout.keys.map((k) => [k, item[k] as AttributeValue]));
}

function lockKey(table: string, layout: TableLayout, key: Item): string {
  return `${table}|${layout.keys.map((k) => canonical((key[k] ?? { NULL: true }) as AttributeValue)).join('|')}`;
}

/** DocumentClient commands marshal in the serialize step and record the feature on the context. */
function isDocumentCommand(context: HandlerExecutionContext): boolean {
  const features = (context as { __aws_sdk_context?: { features?: Record<string, string> } })
    .__aws_sdk_context?.features;
  return features?.DDB_MAPPER === 'd';
}
