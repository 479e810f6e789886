import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/*
 * The single table that holds everything Breakwater stores. Every write is a single-item
 * conditional write: the local DynamoDB stand-in (dynalite) has no transactions.
 *
 *   item                 pk                        sk                              gsi1pk / gsi1sk
 *   -------------------  ------------------------  ------------------------------  -------------------------------------------
 *   pipeline version     PIPELINE#<name>           V#<000001>                      -
 *   latest pipeline      PIPELINE#<name>           LATEST                          PIPELINES / <name>
 *   deployment           DEPLOYMENT#<id>           META                            PIPELINE#<name> / DEPLOYMENT#<createdAt>#<id>
 *   wave                 DEPLOYMENT#<id>           WAVE#<000>                      -
 *   target               DEPLOYMENT#<id>           TARGET#<000>#<targetId>         -
 *   event                DEPLOYMENT#<id>           EVENT#<key>                     -
 *   lock                 LOCK#<aliasKey>           LOCK                            -
 *   alias owner          LOCK#<aliasKey>           OWNER                           -
 *   alarm watch          WATCH#<acct>#<region>#<alarm>  WATCH#<deploymentId>#<000>  -
 *   veto of a change     VETO#<pipeline>           CHANGE#<changeId>               -
 *
 * Pipelines: registering writes the version item first with attribute_not_exists(pk) — that
 * write alone decides who gets which number, so concurrent registrations get distinct versions
 * (the loser re-reads and takes the next one). Then the LATEST item (a full copy, for listing
 * through gsi1) is moved forward with `attribute_not_exists(pk) OR version < :v`:
 *
 *   writer A   put V#2 ok ─────────────────────────── set LATEST=2 (2 < 3? no: no-op)
 *   writer B         put V#2 ✗ → put V#3 ok ─ set LATEST=3
 *
 * A slow writer can therefore never move LATEST back, and a crash between the two writes leaves
 * a version that the next registration skips. `getPipeline(name)` reads the newest V# item.
 *
 * Deployments: everything of one deployment shares its partition, so one Query reads the whole
 * view. gsi1 lists a pipeline's deployments newest first (ISO timestamps sort as strings).
 *
 * Events: the sort key is the idempotency key, so a retried step that appends the same key at a
 * later time still writes once (put with attribute_not_exists(pk); ConditionalCheckFailed means
 * it is already there). Time order is restored when reading (by `at`, then key).
 *
 * Locks: `attribute_not_exists(pk) OR holder = :me` makes acquiring re-entrant; release is a
 * delete conditioned on `holder = :me`.
 *
 * Watches: one item per (alarm, deployment wave), so the alarm watcher reads everything watching
 * an alarm with one Query on its partition. Widening a watch to the next batch's targets is an
 * ADD to a string set, `since` is `if_not_exists`: concurrent checks cannot lose each other's
 * targets.
 *
 * Vetoes: one item per (pipeline, change) holds the state now and the whole history (a list the
 * same write appends to), so vetoing or lifting is one conditional UpdateItem: vetoing only when
 * no veto is in force (`attribute_not_exists(pk) OR status = lifted`), lifting only while one is.
 * Two people vetoing at once: one write wins, the other reads the veto in force.
 *
 * Every item also carries `entity` (pipeline, pipeline-latest, deployment, wave, target, event,
 * lock) — not `type`, which timeline events use for their own field. `expiresAt` (epoch seconds) is the TTL attribute on AWS; dynalite never deletes.
 */

/** Partition key attribute. */
export const PK = 'pk';
/** Sort key attribute. */
export const SK = 'sk';
/** The one global secondary index: pipelines listing and deployments per pipeline. */
export const GSI1 = 'gsi1';
export const GSI1_PK = 'gsi1pk';
export const GSI1_SK = 'gsi1sk';
/** TTL attribute (epoch seconds). Set on the CDK table; the local stand-in never expires items. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** Which kind of record an item holds. */
export const ENTITY = 'entity';
/** Default table name for the local engine. */
export const DEFAULT_TABLE_NAME = 'breakwater';

/** Attributes that belong to the table layout, not to the records stored in it. */
export const KEY_ATTRIBUTES: readonly string[] = [PK, SK, GSI1_PK, GSI1_SK, ENTITY, TTL_ATTRIBUTE];

/** Key builders: the one place item keys are spelled. */
export const keys = {
  pipelinePk: (name: string) => `PIPELINE#${name}`,
  pipelineVersionSk: (version: number) => `V#${String(version).padStart(6, '0')}`,
  pipelineVersionPrefix: 'V#',
  pipelineLatestSk: 'LATEST',
  pipelinesGsiPk: 'PIPELINES',
  deploymentPk: (id: string) => `DEPLOYMENT#${id}`,
  deploymentSk: 'META',
  deploymentGsiPk: (pipelineName: string) => `PIPELINE#${pipelineName}`,
  deploymentGsiSk: (createdAt: string, id: string) => `DEPLOYMENT#${createdAt}#${id}`,
  deploymentGsiPrefix: 'DEPLOYMENT#',
  waveSk: (index: number) => `WAVE#${String(index).padStart(3, '0')}`,
  wavePrefix: 'WAVE#',
  targetSk: (waveIndex: number, targetId: string) =>
    `TARGET#${String(waveIndex).padStart(3, '0')}#${targetId}`,
  targetPrefix: 'TARGET#',
  eventSk: (key: string) => `EVENT#${key}`,
  eventPrefix: 'EVENT#',
  blockersPk: 'BLOCKERS',
  blockerSk: (id: string) => `BLOCKER#${id}`,
  overrideSk: (blockerId: string) => `OVERRIDE#${blockerId}`,
  overridePrefix: 'OVERRIDE#',
  watchPk: (account: string, region: string, alarmName: string) => `WATCH#${account}#${region}#${alarmName}`,
  watchSk: (deploymentId: string, waveIndex: number) =>
    `WATCH#${deploymentId}#${String(waveIndex).padStart(3, '0')}`,
  vetoPk: (pipelineName: string) => `VETO#${pipelineName}`,
  vetoSk: (changeId: string) => `CHANGE#${changeId}`,
  lockPk: (aliasKey: string) => `LOCK#${aliasKey}`,
  lockSk: 'LOCK',
  ownerSk: 'OWNER',
} as const;

/**
 * The CreateTable input for the single table; the local boot uses it and the CDK table mirrors
 * it (plus `timeToLiveAttribute: TTL_ATTRIBUTE`, which CreateTable cannot set).
 *
 * @example await client.send(new CreateTableCommand(tableDefinition('breakwater')))
 */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PK, AttributeType: 'S' },
      { AttributeName: SK, AttributeType: 'S' },
      { AttributeName: GSI1_PK, AttributeType: 'S' },
      { AttributeName: GSI1_SK, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PK, KeyType: 'HASH' },
      { AttributeName: SK, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1,
        KeySchema: [
          { AttributeName: GSI1_PK, KeyType: 'HASH' },
          { AttributeName: GSI1_SK, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
