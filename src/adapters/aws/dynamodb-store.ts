import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, InvalidInputError, NotFoundError, TransientError } from '../../core/errors.js';
import type { ResolvedPipeline } from '../../core/pipeline.js';
import { type Clock, isoNow } from '../../ports/clock.js';
import type {
  AliasOwner,
  BlockerRecord,
  DeploymentRecord,
  DeploymentStatus,
  DeploymentStore,
  DeploymentView,
  LockResult,
  OverrideRecord,
  Page,
  PipelineRecord,
  TargetRecord,
  TimelineEvent,
  VetoAction,
  VetoRecord,
  WatchedAlarm,
  WatchRecord,
  WaveRecord,
} from '../../ports/store.js';
import { isAwsError, withAwsErrors } from './errors.js';
import { ENTITY, GSI1, GSI1_PK, GSI1_SK, KEY_ATTRIBUTES, keys, PK, SK } from './table.js';

type Item = Record<string, unknown>;
type DeploymentPatch = Parameters<DeploymentStore['updateDeployment']>[1];
type WavePatch = Parameters<DeploymentStore['updateWave']>[2];
type TargetPatch = Parameters<DeploymentStore['updateTarget']>[3];

/** Fields that name a record; a patch never rewrites them (nor the table's own attributes). */
const IDENTITY_FIELDS = new Set(['id', 'deploymentId', 'index', 'waveIndex', 'targetId', ...KEY_ATTRIBUTES]);
/** Deployment fields the gsi1 key is built from: fixed when the deployment is created. */
const IMMUTABLE_DEPLOYMENT_FIELDS = ['pipelineName', 'createdAt'] as const;

/** Concurrent registrations of one pipeline each take the next free version; this bounds the retries. */
const MAX_VERSION_ATTEMPTS = 25;
/** A lock that is released between our failed write and our read is retried this many times. */
const MAX_LOCK_ATTEMPTS = 5;
const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 100;

/** A conditional write lost: the call sites decide what that means (exists, changed, gone). */
const CONDITION_FAILED = 'ConditionalCheckFailedException';

export interface DynamoDeploymentStoreOptions {
  /** A DocumentClient built with `removeUndefinedValues: true` (see {@link createDocumentClient}). */
  readonly client: DynamoDBDocumentClient;
  /** The single table described by `tableDefinition`. */
  readonly tableName: string;
  /** Source of `registeredAt` and of `updatedAt` when a patch does not set it. */
  readonly clock: Clock;
}

/**
 * Builds the DocumentClient the store expects: optional record fields left `undefined` are
 * dropped instead of failing the marshalling.
 *
 * @example const client = createDocumentClient({ region: 'eu-west-1' });
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/**
 * The {@link DeploymentStore} on one DynamoDB table (layout in `table.ts`). Only single-item
 * conditional writes, so it runs unchanged against dynalite. SDK failures come out as domain
 * errors through the one translator ({@link withAwsErrors}): throttling as `ThrottledError`, 5xx
 * and network failures as {@link TransientError}, each with the SDK error as `cause`.
 *
 * @example
 * const store = new DynamoDeploymentStore({ client: createDocumentClient(), tableName: 'breakwater', clock: systemClock });
 * const { version } = await store.putPipeline(resolvePipeline(doc));
 */
export class DynamoDeploymentStore implements DeploymentStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #clock: Clock;

  constructor(options: DynamoDeploymentStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#clock = options.clock;
  }

  // ---- pipelines -------------------------------------------------------------------------------

  async putPipeline(definition: ResolvedPipeline, registeredBy?: string): Promise<PipelineRecord> {
    const name = definition.name;
    for (let attempt = 0; attempt < MAX_VERSION_ATTEMPTS; attempt++) {
      const newest = await this.getPipeline(name);
      const record: PipelineRecord = {
        name,
        version: (newest?.version ?? 0) + 1,
        definition,
        registeredAt: isoNow(this.#clock),
        ...(registeredBy !== undefined ? { registeredBy } : {}),
      };
      // The version item decides who gets the number; a loser re-reads and takes the next one.
      const won = await this.#putIfAbsent({
        [PK]: keys.pipelinePk(name),
        [SK]: keys.pipelineVersionSk(record.version),
        [ENTITY]: 'pipeline',
        ...record,
      });
      if (!won) continue;
      await this.#advanceLatestPipeline(record);
      return record;
    }
    throw new TransientError(
      `pipeline "${name}": lost the race for a new version ${MAX_VERSION_ATTEMPTS} times in a row; try again`,
    );
  }

  async getPipeline(name: string, version?: number): Promise<PipelineRecord | undefined> {
    if (version !== undefined) {
      return this.#get<PipelineRecord>(keys.pipelinePk(name), keys.pipelineVersionSk(version));
    }
    // The newest version item is the truth; LATEST may lag it by one in-flight registration.
    const out = await this.#call('Query', () =>
      this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': keys.pipelinePk(name), ':prefix': keys.pipelineVersionPrefix },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    const item = out.Items?.[0];
    return item ? toRecord<PipelineRecord>(item) : undefined;
  }

  async listPipelines(): Promise<PipelineRecord[]> {
    const items = await this.#queryAll({
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1_PK },
      ExpressionAttributeValues: { ':pk': keys.pipelinesGsiPk },
    });
    return items.map((item) => toRecord<PipelineRecord>(item));
  }

  /*
   * LATEST only ever moves forward:
   *
   *   A: put V#2 ok ──────────────────────── LATEST := 2 if version < 2  → refused, 3 stays
   *   B:   put V#2 ✗, put V#3 ok ─ LATEST := 3 if version < 3 → ok
   */
  async #advanceLatestPipeline(record: PipelineRecord): Promise<void> {
    try {
      await this.#call('PutItem', () =>
        this.#client.send(
          new PutCommand({
            TableName: this.#tableName,
            Item: {
              [PK]: keys.pipelinePk(record.name),
              [SK]: keys.pipelineLatestSk,
              [GSI1_PK]: keys.pipelinesGsiPk,
              [GSI1_SK]: record.name,
              [ENTITY]: 'pipeline-latest',
              ...record,
            },
            ConditionExpression: 'attribute_not_exists(#pk) OR #version < :version',
            ExpressionAttributeNames: { '#pk': PK, '#version': 'version' },
            ExpressionAttributeValues: { ':version': record.version },
          }),
        ),
      );
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
      // A newer version is already LATEST.
    }
  }

  // ---- deployments -----------------------------------------------------------------------------

  async createDeployment(record: DeploymentRecord): Promise<void> {
    const written = await this.#putIfAbsent({
      [PK]: keys.deploymentPk(record.id),
      [SK]: keys.deploymentSk,
      [GSI1_PK]: keys.deploymentGsiPk(record.pipelineName),
      [GSI1_SK]: keys.deploymentGsiSk(record.createdAt, record.id),
      [ENTITY]: 'deployment',
      ...record,
    });
    if (written) return;
    // dynalite ignores ReturnValuesOnConditionCheckFailure, so read what is there.
    const existing = await this.getDeployment(record.id);
    throw new ConflictError(`deployment "${record.id}" already exists`, existing);
  }

  async getDeployment(id: string): Promise<DeploymentRecord | undefined> {
    return this.#get<DeploymentRecord>(keys.deploymentPk(id), keys.deploymentSk);
  }

  /**
   * Sets every defined field of `patch` (and `updatedAt` from the clock unless the patch sets
   * it). `pipelineName` and `createdAt` are fixed at creation: a patch naming them is refused.
   */
  async updateDeployment(
    id: string,
    patch: DeploymentPatch,
    options?: {
      readonly onlyIfStatusIn?: readonly DeploymentStatus[];
      readonly onlyIfExpediteUnapproved?: boolean;
      readonly onlyIfHoldSegment?: string | null;
    },
  ): Promise<DeploymentRecord> {
    const fixed = IMMUTABLE_DEPLOYMENT_FIELDS.filter((f) => patch[f] !== undefined);
    if (fixed.length > 0) {
      throw new InvalidInputError(`update of deployment "${id}"`, [
        ...fixed.map((f) => ({
          path: f,
          message: 'is fixed when the deployment is created and cannot be patched',
          received: patch[f],
        })),
      ]);
    }
    const update = buildUpdate({ updatedAt: isoNow(this.#clock), ...stripUndefined(patch) });
    const allowed = options?.onlyIfStatusIn;
    let condition = 'attribute_exists(#pk)';
    if (allowed !== undefined) {
      const placeholders = allowed.map((_, i) => `:allowed${i}`);
      // An empty list allows nothing; `IN ()` is not valid syntax.
      condition +=
        placeholders.length > 0 ? ` AND #status IN (${placeholders.join(', ')})` : ' AND #pk = :never';
      update.names['#status'] = 'status';
      allowed.forEach((status, i) => {
        update.values[`:allowed${i}`] = status;
      });
      if (placeholders.length === 0) update.values[':never'] = '';
    }
    if (options?.onlyIfExpediteUnapproved) {
      // Two approvers at once: only the first write wins, the second sees a conflict.
      condition += ' AND attribute_not_exists(#expedite.#approvedBy)';
      update.names['#expedite'] = 'expedite';
      update.names['#approvedBy'] = 'approvedBy';
    }
    const segment = options?.onlyIfHoldSegment;
    if (segment !== undefined) {
      // Two steps ending the same hold segment: only the first adds its seconds.
      condition +=
        segment === null
          ? ' AND attribute_not_exists(#hold.#kindsSince)'
          : ' AND #hold.#kindsSince = :kindsSince';
      update.names['#hold'] = 'hold';
      update.names['#kindsSince'] = 'kindsSince';
      if (segment !== null) update.values[':kindsSince'] = segment;
    }
    try {
      const out = await this.#call('UpdateItem', () =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tableName,
            Key: { [PK]: keys.deploymentPk(id), [SK]: keys.deploymentSk },
            UpdateExpression: update.expression,
            ConditionExpression: condition,
            ExpressionAttributeNames: { ...update.names, '#pk': PK },
            ExpressionAttributeValues: update.values,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return toRecord<DeploymentRecord>(out.Attributes ?? {});
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
    }
    const current = await this.getDeployment(id);
    if (current === undefined) throw new NotFoundError(`deployment "${id}" not found`);
    if (allowed === undefined && segment !== undefined) {
      throw new ConflictError(
        `deployment "${id}": its hold changed meanwhile (segment since ${current.hold?.kindsSince ?? 'none'}, expected ${segment ?? 'none'})`,
        current,
      );
    }
    throw new ConflictError(
      `deployment "${id}" is ${current.status}; expected one of [${(allowed ?? []).join(', ')}]`,
      current,
    );
  }

  async listDeployments(
    pipelineName: string,
    page?: { readonly limit?: number; readonly cursor?: string },
  ): Promise<Page<DeploymentRecord>> {
    const limit = page?.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new InvalidInputError('page', [
        { path: 'limit', message: `expected an integer from 1 to ${MAX_PAGE_SIZE}`, received: limit },
      ]);
    }
    const gsiPk = keys.deploymentGsiPk(pipelineName);
    const startKey = page?.cursor === undefined ? undefined : decodeCursor(page.cursor, gsiPk);
    const out = await this.#call('Query', () =>
      this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          IndexName: GSI1,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': GSI1_PK, '#sk': GSI1_SK },
          ExpressionAttributeValues: { ':pk': gsiPk, ':prefix': keys.deploymentGsiPrefix },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    const items = (out.Items ?? []).map((item) => toRecord<DeploymentRecord>(item));
    return out.LastEvaluatedKey === undefined
      ? { items }
      : { items, nextCursor: encodeCursor(out.LastEvaluatedKey) };
  }

  async listDeploymentsCreatedBetween(
    pipelineName: string,
    from: string,
    to: string,
  ): Promise<DeploymentRecord[]> {
    // createdAt is an ISO instant in the sort key: [from, to) is a BETWEEN on the key prefix
    // (`DEPLOYMENT#<to>#<id>` sorts after `DEPLOYMENT#<to>`, so `to` itself is left out).
    const items = await this.#queryAll({
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': GSI1_PK, '#sk': GSI1_SK },
      ExpressionAttributeValues: {
        ':pk': keys.deploymentGsiPk(pipelineName),
        ':from': `${keys.deploymentGsiPrefix}${from}`,
        ':to': `${keys.deploymentGsiPrefix}${to}`,
      },
    });
    return items.map((item) => toRecord<DeploymentRecord>(item));
  }

  async firstSucceededDeploymentFrom(
    pipelineName: string,
    from: string,
  ): Promise<DeploymentRecord | undefined> {
    // One Query, oldest first; the filter applies after each page is read, so pages that hold
    // no succeeded deployment are followed until one does or the partition ends.
    let startKey: Item | undefined;
    do {
      const out = await this.#call('Query', () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: GSI1,
            KeyConditionExpression: '#pk = :pk AND #sk >= :from',
            FilterExpression: '#status = :succeeded',
            ExpressionAttributeNames: { '#pk': GSI1_PK, '#sk': GSI1_SK, '#status': 'status' },
            ExpressionAttributeValues: {
              ':pk': keys.deploymentGsiPk(pipelineName),
              ':from': `${keys.deploymentGsiPrefix}${from}`,
              ':succeeded': 'succeeded',
            },
            ScanIndexForward: true,
            Limit: MAX_PAGE_SIZE,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      const item = out.Items?.[0];
      if (item) return toRecord<DeploymentRecord>(item);
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return undefined;
  }

  // ---- waves and targets -----------------------------------------------------------------------

  async putWave(record: WaveRecord): Promise<void> {
    await this.#put({
      [PK]: keys.deploymentPk(record.deploymentId),
      [SK]: keys.waveSk(record.index),
      [ENTITY]: 'wave',
      ...record,
    });
  }

  async getWave(deploymentId: string, index: number): Promise<WaveRecord | undefined> {
    return this.#get<WaveRecord>(keys.deploymentPk(deploymentId), keys.waveSk(index));
  }

  async updateWave(deploymentId: string, index: number, patch: WavePatch): Promise<void> {
    await this.#updateExisting(
      keys.deploymentPk(deploymentId),
      keys.waveSk(index),
      stripUndefined(patch),
      `wave ${index} of deployment "${deploymentId}"`,
    );
  }

  async putTarget(record: TargetRecord): Promise<void> {
    await this.#put({
      [PK]: keys.deploymentPk(record.deploymentId),
      [SK]: keys.targetSk(record.waveIndex, record.targetId),
      [ENTITY]: 'target',
      ...record,
    });
  }

  /** Sets every defined field of `patch`, and `updatedAt` from the clock unless the patch sets it. */
  async updateTarget(
    deploymentId: string,
    waveIndex: number,
    targetId: string,
    patch: TargetPatch,
  ): Promise<void> {
    await this.#updateExisting(
      keys.deploymentPk(deploymentId),
      keys.targetSk(waveIndex, targetId),
      { updatedAt: isoNow(this.#clock), ...stripUndefined(patch) },
      `target "${targetId}" (wave ${waveIndex}) of deployment "${deploymentId}"`,
    );
  }

  async getTargets(deploymentId: string, waveIndex?: number): Promise<TargetRecord[]> {
    const prefix =
      waveIndex === undefined
        ? keys.targetPrefix
        : `${keys.targetPrefix}${String(waveIndex).padStart(3, '0')}#`;
    const items = await this.#queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': keys.deploymentPk(deploymentId), ':prefix': prefix },
      ConsistentRead: true,
    });
    return items.map((item) => toRecord<TargetRecord>(item));
  }

  // ---- events and the view ---------------------------------------------------------------------

  async appendEvent(event: TimelineEvent): Promise<void> {
    // Keyed by the idempotency key alone: a retry at a later `at` is still the same event.
    await this.#putIfAbsent({
      [PK]: keys.deploymentPk(event.deploymentId),
      [SK]: keys.eventSk(event.key),
      [ENTITY]: 'event',
      ...event,
    });
  }

  async getDeploymentView(id: string): Promise<DeploymentView | undefined> {
    const items = await this.#queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': keys.deploymentPk(id) },
      ConsistentRead: true,
    });
    let deployment: DeploymentRecord | undefined;
    const waves: WaveRecord[] = [];
    const targets: TargetRecord[] = [];
    const events: TimelineEvent[] = [];
    const overrides: OverrideRecord[] = [];
    for (const item of items) {
      const sk = String(item[SK]);
      if (sk === keys.deploymentSk) deployment = toRecord<DeploymentRecord>(item);
      else if (sk.startsWith(keys.wavePrefix)) waves.push(toRecord<WaveRecord>(item));
      else if (sk.startsWith(keys.targetPrefix)) targets.push(toRecord<TargetRecord>(item));
      else if (sk.startsWith(keys.eventPrefix)) events.push(toRecord<TimelineEvent>(item));
      else if (sk.startsWith(keys.overridePrefix)) overrides.push(toRecord<OverrideRecord>(item));
    }
    if (deployment === undefined) return undefined;
    events.sort(compareEvents);
    return { deployment, waves, targets, events, overrides };
  }

  // ---- blockers and overrides ------------------------------------------------------------------

  async putBlocker(record: BlockerRecord): Promise<void> {
    const written = await this.#putIfAbsent({
      ...stripUndefined(record),
      [PK]: keys.blockersPk,
      [SK]: keys.blockerSk(record.id),
      [ENTITY]: 'blocker',
    });
    if (!written) {
      const existing = await this.#get<BlockerRecord>(keys.blockersPk, keys.blockerSk(record.id));
      throw new ConflictError(`blocker "${record.id}" already exists`, existing);
    }
  }

  async removeBlocker(id: string): Promise<BlockerRecord | undefined> {
    const out = await this.#call('DeleteItem', () =>
      this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: { [PK]: keys.blockersPk, [SK]: keys.blockerSk(id) },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    return out.Attributes ? toRecord<BlockerRecord>(out.Attributes) : undefined;
  }

  async listBlockers(): Promise<BlockerRecord[]> {
    const items = await this.#queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': keys.blockersPk },
      ConsistentRead: true,
    });
    return items
      .map((item) => toRecord<BlockerRecord>(item))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async listOverrides(deploymentId: string): Promise<OverrideRecord[]> {
    const items = await this.#queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': keys.deploymentPk(deploymentId), ':prefix': keys.overridePrefix },
      ConsistentRead: true,
    });
    return items.map((item) => toRecord<OverrideRecord>(item));
  }

  async putOverride(record: OverrideRecord): Promise<void> {
    await this.#putIfAbsent({
      ...stripUndefined(record),
      [PK]: keys.deploymentPk(record.deploymentId),
      [SK]: keys.overrideSk(record.blockerId),
      [ENTITY]: 'override',
    });
  }

  // ---- alarm watches ---------------------------------------------------------------------------

  async putWatch(record: WatchRecord): Promise<void> {
    await this.#call('UpdateItem', () =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: {
            [PK]: keys.watchPk(record.account, record.region, record.alarmName),
            [SK]: keys.watchSk(record.deploymentId, record.waveIndex),
          },
          UpdateExpression:
            'SET #account = :account, #region = :region, #alarmName = :alarmName, #deploymentId = :deploymentId, ' +
            '#waveIndex = :waveIndex, #since = if_not_exists(#since, :since), #entity = :entity ADD #targets :targets',
          ExpressionAttributeNames: {
            '#account': 'account',
            '#region': 'region',
            '#alarmName': 'alarmName',
            '#deploymentId': 'deploymentId',
            '#waveIndex': 'waveIndex',
            '#since': 'since',
            '#entity': ENTITY,
            '#targets': 'targets',
          },
          ExpressionAttributeValues: {
            ':account': record.account,
            ':region': record.region,
            ':alarmName': record.alarmName,
            ':deploymentId': record.deploymentId,
            ':waveIndex': record.waveIndex,
            ':since': record.since,
            ':entity': 'watch',
            ':targets': new Set(record.targets.length > 0 ? record.targets : ['*']),
          },
        }),
      ),
    );
  }

  async listWatches(alarm: WatchedAlarm): Promise<WatchRecord[]> {
    const items = await this.#queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': keys.watchPk(alarm.account, alarm.region, alarm.alarmName) },
      ConsistentRead: true,
    });
    return items.map((item) => {
      const record = toRecord<WatchRecord & { targets: Set<string> | string[] }>(item);
      return { ...record, targets: [...record.targets].filter((t) => t !== '*').sort() };
    });
  }

  async removeWatches(
    deploymentId: string,
    waveIndex: number,
    alarms: readonly WatchedAlarm[],
  ): Promise<void> {
    await Promise.all(
      alarms.map((a) =>
        this.#call('DeleteItem', () =>
          this.#client.send(
            new DeleteCommand({
              TableName: this.#tableName,
              Key: {
                [PK]: keys.watchPk(a.account, a.region, a.alarmName),
                [SK]: keys.watchSk(deploymentId, waveIndex),
              },
            }),
          ),
        ),
      ),
    );
  }

  // ---- locks -----------------------------------------------------------------------------------

  async acquireLock(aliasKey: string, holder: string, at: string): Promise<LockResult> {
    const key = { [PK]: keys.lockPk(aliasKey), [SK]: keys.lockSk };
    for (let attempt = 0; attempt < MAX_LOCK_ATTEMPTS; attempt++) {
      try {
        // Re-entrant: the holder may take it again, and keeps its original acquiredAt.
        await this.#call('UpdateItem', () =>
          this.#client.send(
            new UpdateCommand({
              TableName: this.#tableName,
              Key: key,
              UpdateExpression:
                'SET #holder = :me, #acquiredAt = if_not_exists(#acquiredAt, :at), #aliasKey = :aliasKey, #entity = :entity',
              ConditionExpression: 'attribute_not_exists(#pk) OR #holder = :me',
              ExpressionAttributeNames: {
                '#pk': PK,
                '#holder': 'holder',
                '#acquiredAt': 'acquiredAt',
                '#aliasKey': 'aliasKey',
                '#entity': ENTITY,
              },
              ExpressionAttributeValues: {
                ':me': holder,
                ':at': at,
                ':aliasKey': aliasKey,
                ':entity': 'lock',
              },
            }),
          ),
        );
        return { acquired: true };
      } catch (error) {
        if (!isAwsError(error, CONDITION_FAILED)) throw error;
      }
      const current = await this.#get<{ holder: string }>(key[PK], key[SK]);
      if (current !== undefined && current.holder !== holder)
        return { acquired: false, holder: current.holder };
      // Released between our write and our read: try again.
    }
    throw new TransientError(`lock on ${aliasKey}: changed hands ${MAX_LOCK_ATTEMPTS} times while acquiring`);
  }

  async releaseLock(aliasKey: string, holder: string): Promise<void> {
    try {
      await this.#call('DeleteItem', () =>
        this.#client.send(
          new DeleteCommand({
            TableName: this.#tableName,
            Key: { [PK]: keys.lockPk(aliasKey), [SK]: keys.lockSk },
            ConditionExpression: '#holder = :me',
            ExpressionAttributeNames: { '#holder': 'holder' },
            ExpressionAttributeValues: { ':me': holder },
          }),
        ),
      );
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
      // Not held, or held by someone else: nothing to release.
    }
  }

  async getAliasOwner(aliasKey: string): Promise<AliasOwner | undefined> {
    return this.#get<AliasOwner>(keys.lockPk(aliasKey), keys.ownerSk);
  }

  async putAliasOwner(record: AliasOwner): Promise<void> {
    await this.#put({
      [PK]: keys.lockPk(record.aliasKey),
      [SK]: keys.ownerSk,
      [ENTITY]: 'alias-owner',
      ...record,
    });
  }

  // ---- vetoes ----------------------------------------------------------------------------------

  async putVeto(
    pipelineName: string,
    changeId: string,
    action: VetoAction,
  ): Promise<{ record: VetoRecord; created: boolean }> {
    const record = await this.#vetoTransition(pipelineName, changeId, 'vetoed', action);
    if (record) return { record, created: true };
    // A veto is in force: it is kept, whoever asks again.
    const existing = await this.getVeto(pipelineName, changeId);
    if (!existing) throw new TransientError(`veto of change "${changeId}": changed while vetoing; try again`);
    return { record: existing, created: false };
  }

  async liftVeto(
    pipelineName: string,
    changeId: string,
    action: VetoAction,
  ): Promise<{ record: VetoRecord; lifted: boolean }> {
    const record = await this.#vetoTransition(pipelineName, changeId, 'lifted', action);
    if (record) return { record, lifted: true };
    const existing = await this.getVeto(pipelineName, changeId);
    if (!existing)
      throw new NotFoundError(`change "${changeId}" of pipeline "${pipelineName}" was never vetoed`);
    return { record: existing, lifted: false };
  }

  async getVeto(pipelineName: string, changeId: string): Promise<VetoRecord | undefined> {
    return this.#get<VetoRecord>(keys.vetoPk(pipelineName), keys.vetoSk(changeId));
  }

  async listVetoes(pipelineName: string): Promise<VetoRecord[]> {
    const items = await this.#queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': keys.vetoPk(pipelineName) },
      ConsistentRead: true,
    });
    return items.map((item) => toRecord<VetoRecord>(item));
  }

  /*
   * One conditional UpdateItem moves the state and appends to the history, so the two never
   * disagree: vetoing only when no veto is in force, lifting only while one is. Undefined when
   * the condition failed (already in that state, or, for a lift, never vetoed).
   */
  async #vetoTransition(
    pipelineName: string,
    changeId: string,
    to: VetoRecord['status'],
    action: VetoAction,
  ): Promise<VetoRecord | undefined> {
    const vetoing = to === 'vetoed';
    try {
      const out = await this.#call('UpdateItem', () =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tableName,
            Key: { [PK]: keys.vetoPk(pipelineName), [SK]: keys.vetoSk(changeId) },
            UpdateExpression:
              'SET #pipelineName = :pipelineName, #changeId = :changeId, #status = :to, #action = :action, ' +
              '#entity = :entity, #history = list_append(if_not_exists(#history, :empty), :entry)' +
              (vetoing ? ' REMOVE #lifted' : ''),
            ConditionExpression: vetoing
              ? 'attribute_not_exists(#pk) OR #status = :other'
              : 'attribute_exists(#pk) AND #status = :other',
            ExpressionAttributeNames: {
              '#pk': PK,
              '#pipelineName': 'pipelineName',
              '#changeId': 'changeId',
              '#status': 'status',
              '#action': to,
              '#entity': ENTITY,
              '#history': 'history',
              ...(vetoing ? { '#lifted': 'lifted' } : {}),
            },
            ExpressionAttributeValues: {
              ':pipelineName': pipelineName,
              ':changeId': changeId,
              ':to': to,
              ':other': vetoing ? 'lifted' : 'vetoed',
              ':action': { ...action },
              ':entity': 'veto',
              ':empty': [],
              ':entry': [{ action: to, ...action }],
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return toRecord<VetoRecord>(out.Attributes ?? {});
    } catch (error) {
      if (isAwsError(error, CONDITION_FAILED)) return undefined;
      throw error;
    }
  }

  // ---- SDK plumbing ----------------------------------------------------------------------------

  async #get<T>(pk: string, sk: string): Promise<T | undefined> {
    const out = await this.#call('GetItem', () =>
      this.#client.send(
        new GetCommand({ TableName: this.#tableName, Key: { [PK]: pk, [SK]: sk }, ConsistentRead: true }),
      ),
    );
    return out.Item ? toRecord<T>(out.Item) : undefined;
  }

  async #put(item: Item): Promise<void> {
    await this.#call('PutItem', () =>
      this.#client.send(new PutCommand({ TableName: this.#tableName, Item: item })),
    );
  }

  /** Writes the item unless its key exists; false when it did. */
  async #putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.#call('PutItem', () =>
        this.#client.send(
          new PutCommand({
            TableName: this.#tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, CONDITION_FAILED)) return false;
      throw error;
    }
  }

  async #updateExisting(pk: string, sk: string, patch: Item, what: string): Promise<void> {
    const update = buildUpdate(patch);
    if (update.expression === '') {
      // Nothing to set; still report a missing record.
      if ((await this.#get(pk, sk)) === undefined) throw new NotFoundError(`${what} not found`);
      return;
    }
    try {
      await this.#call('UpdateItem', () =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tableName,
            Key: { [PK]: pk, [SK]: sk },
            UpdateExpression: update.expression,
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { ...update.names, '#pk': PK },
            ExpressionAttributeValues: update.values,
          }),
        ),
      );
    } catch (error) {
      if (isAwsError(error, CONDITION_FAILED)) throw new NotFoundError(`${what} not found`, { cause: error });
      throw error;
    }
  }

  async #queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.#call('Query', () =>
        this.#client.send(
          new QueryCommand({ ...input, TableName: this.#tableName, ExclusiveStartKey: startKey }),
        ),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /** One SDK call, its failures translated (src/adapters/aws/errors.ts); a lost condition passes through. */
  #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return withAwsErrors(
      {
        operation: `DynamoDB ${operation}`,
        resource: `on table ${this.#tableName}`,
        untranslated: ['ResourceNotFoundException'],
      },
      send,
    );
  }
}

/** `SET #f0 = :f0, ...` for every defined field that is not part of the record's identity. */
function buildUpdate(patch: Item): { expression: string; names: Record<string, string>; values: Item } {
  const names: Record<string, string> = {};
  const values: Item = {};
  const sets: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined || IDENTITY_FIELDS.has(field)) continue;
    const i = sets.length;
    names[`#f${i}`] = field;
    values[`:f${i}`] = value;
    sets.push(`#f${i} = :f${i}`);
  }
  return { expression: sets.length > 0 ? `SET ${sets.join(', ')}` : '', names, values };
}

function stripUndefined(patch: object): Item {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}

function toRecord<T>(item: Item): T {
  const record: Item = { ...item };
  for (const attribute of KEY_ATTRIBUTES) delete record[attribute];
  return record as T;
}

function compareEvents(a: TimelineEvent, b: TimelineEvent): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function encodeCursor(lastEvaluatedKey: Item): string {
  return Buffer.from(JSON.stringify(lastEvaluatedKey), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, expectedGsiPk: string): Item {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (key !== null && typeof key === 'object' && (key as Item)[GSI1_PK] === expectedGsiPk)
      return key as Item;
  } catch {
    // Reported below with the value received.
  }
  throw new InvalidInputError('page', [
    {
      path: 'cursor',
      message: 'expected the nextCursor of an earlier page of the same pipeline',
      received: cursor,
    },
  ]);
}
