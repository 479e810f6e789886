import { isDeepStrictEqual } from 'node:util';
import { type InputIssue, InvalidInputError, NotFoundError } from '../core/errors.js';
import { type ResolvedPipeline, resolvePipeline } from '../core/pipeline.js';
import type { DeploymentRecord, Page, PipelineRecord } from '../ports/store.js';
import type { ApiDeps } from './deps.js';
import { PipelineRecordBodySchema, parseRequest } from './schemas.js';

/** Every registered pipeline, latest version of each. One store call. */
export async function listPipelines(deps: Pick<ApiDeps, 'store'>): Promise<{ items: PipelineRecord[] }> {
  return { items: await deps.store.listPipelines() };
}

/** The latest version of a pipeline, or the one asked for; NotFoundError when there is none. */
export async function getPipeline(
  deps: Pick<ApiDeps, 'store'>,
  name: string,
  version?: number,
): Promise<PipelineRecord> {
  const record = await deps.store.getPipeline(name, version);
  if (!record) {
    throw new NotFoundError(
      version === undefined ? `no pipeline "${name}"` : `no version ${version} of pipeline "${name}"`,
    );
  }
  return record;
}

/** What `PUT /pipelines/{name}` did: registered the next version, or found it already there. */
export interface Registration {
  readonly record: PipelineRecord;
  /** False when the definition is the latest version's: nothing was registered. */
  readonly changed: boolean;
}

/**
 * Validates a pipeline document (every problem at once, with its path) and registers it as the
 * next version — unless it resolves to the latest version's definition, which is then returned
 * as is (`changed: false`). The body may also be what `GET /pipelines/{name}` returned (a
 * record: its `definition` is taken) or that definition alone: the resolved form (durations in
 * seconds, every wave setting, wave `index`es) is a valid document. The name in the document
 * must be the name in the path, so a PUT never writes a pipeline other than the one its URL names.
 *
 * @example await registerPipeline(deps, 'payments', JSON.parse(body), 'alice')
 */
export async function registerPipeline(
  deps: Pick<ApiDeps, 'store'>,
  name: string,
  body: unknown,
  registeredBy?: string,
): Promise<Registration> {
  const definition = resolveBody(name, body);
  const latest = await deps.store.getPipeline(name);
  if (latest && sameDefinition(latest.definition, definition)) return { record: latest, changed: false };
  return { record: await deps.store.putPipeline(definition, registeredBy), changed: true };
}

function resolveBody(name: string, body: unknown): ResolvedPipeline {
  const isRecord = body !== null && typeof body === 'object' && Object.hasOwn(body, 'definition');
  if (!isRecord) return resolveDocument(name, body, '');
  const record = parseRequest(PipelineRecordBodySchema, body, 'body');
  if (record.name !== undefined && record.name !== name) throw wrongName(name, record.name, 'name');
  return resolveDocument(name, record.definition, 'definition.');
}

/** Resolves a document whose issues are reported under `prefix` (`definition.` inside a record). */
function resolveDocument(name: string, document: unknown, prefix: string): ResolvedPipeline {
  const { document: withoutIndexes, issues } = withoutWaveIndexes(document);
  let definition: ResolvedPipeline | undefined;
  try {
    definition = resolvePipeline(withoutIndexes);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0 || !definition) {
    throw new InvalidInputError(
      `pipeline "${name}"`,
      issues.map((issue) => ({ ...issue, path: `${prefix}${issue.path}` })),
    );
  }
  if (definition.name !== name) throw wrongName(name, definition.name, `${prefix}name`);
  return definition;
}

/**
 * A resolved definition numbers its waves (`index`); the document format does not. An index
 * that is the wave's position is dropped; another one is an issue (the order is what counts).
 */
function withoutWaveIndexes(document: unknown): { document: unknown; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const waves = (document as { waves?: unknown } | null)?.waves;
  if (!Array.isArray(waves)) return { document, issues };
  const stripped = waves.map((wave: unknown, position) => {
    if (wave === null || typeof wave !== 'object' || !Object.hasOwn(wave, 'index')) return wave;
    const { index, ...rest } = wave as { index: unknown };
    if (index !== position) {
      issues.push({
        path: `waves[${position}].index`,
        message: `expected ${position} (the wave's position), got ${JSON.stringify(index)}`,
        received: index,
      });
    }
    return rest;
  });
  return { document: { ...(document as object), waves: stripped }, issues };
}

function wrongName(expected: string, got: string, path: string): InvalidInputError {
  return new InvalidInputError(`pipeline "${got}"`, [
    { path, message: `expected "${expected}" (the pipeline named in the path), got "${got}"`, received: got },
  ]);
}

/** Compared as JSON: the stored copy has been through DynamoDB (no undefined, any key order). */
function sameDefinition(a: ResolvedPipeline, b: ResolvedPipeline): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

/**
 * One page of a pipeline's deployments, newest first. Two store calls: the pipeline (so an
 * unknown name is a 404, not an empty page) and the page.
 */
export async function listPipelineDeployments(
  deps: Pick<ApiDeps, 'store'>,
  name: string,
  page: { readonly limit?: number; readonly cursor?: string },
): Promise<Page<DeploymentRecord>> {
  await getPipeline(deps, name);
  try {
    return await deps.store.listDeployments(name, page);
  } catch (error) {
    // The store names the page fields; the caller sent them as query parameters.
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(
      'request query',
      error.issues.map((issue) => ({ ...issue, path: `query.${issue.path}` })),
    );
  }
}
