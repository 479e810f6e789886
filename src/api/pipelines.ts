import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { resolvePipeline } from '../core/pipeline.js';
import type { DeploymentRecord, Page, PipelineRecord } from '../ports/store.js';
import type { ApiDeps } from './deps.js';

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

/**
 * Validates a pipeline document (every problem at once, with its path) and registers it as the
 * next version. The name in the document must be the name in the path, so a PUT never writes
 * a pipeline other than the one its URL names.
 *
 * @example await registerPipeline(deps, 'payments', JSON.parse(body), 'alice')
 */
export async function registerPipeline(
  deps: Pick<ApiDeps, 'store'>,
  name: string,
  document: unknown,
  registeredBy?: string,
): Promise<PipelineRecord> {
  const definition = resolvePipeline(document);
  if (definition.name !== name) {
    throw new InvalidInputError(`pipeline "${definition.name}"`, [
      {
        path: 'name',
        message: `expected "${name}" (the pipeline named in the path), got "${definition.name}"`,
        received: definition.name,
      },
    ]);
  }
  return deps.store.putPipeline(definition, registeredBy);
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
