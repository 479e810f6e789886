import type * as z from 'zod';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { isoAt, isoNow } from '../ports/clock.js';
import type { BlockerRecord } from '../ports/store.js';
import type { ApiDeps } from './deps.js';
import type { CreateBlockerBodySchema } from './schemas.js';

/** Every manual blocker, oldest first. One store call. */
export async function listBlockers(deps: Pick<ApiDeps, 'store'>): Promise<{ items: BlockerRecord[] }> {
  return { items: await deps.store.listBlockers() };
}

/**
 * Records a manual block. It holds matching waves before they start — never a rollback, never
 * a wave already running. A ConflictError (409) when the generated id exists.
 *
 * @example await createBlocker(deps, { scope: { kind: 'global' }, reason: 'freeze', author: 'alice' })
 */
export async function createBlocker(
  deps: Pick<ApiDeps, 'store' | 'clock' | 'newId'>,
  request: z.output<typeof CreateBlockerBodySchema>,
): Promise<BlockerRecord> {
  const nowMs = deps.clock.nowMs();
  let expiresAt: string | undefined;
  if (request.expiresAt !== undefined) {
    const expiresMs = Date.parse(request.expiresAt);
    if (expiresMs <= nowMs) {
      throw new InvalidInputError('blocker', [
        {
          path: 'expiresAt',
          message: `expected an instant in the future (now is ${isoAt(nowMs)}), got "${request.expiresAt}"`,
          received: request.expiresAt,
        },
      ]);
    }
    expiresAt = isoAt(expiresMs);
  }
  const record: BlockerRecord = {
    id: deps.newId(),
    scope: request.scope,
    reason: request.reason,
    author: request.author,
    createdAt: isoNow(deps.clock),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
  await deps.store.putBlocker(record);
  return record;
}

/** Removes a manual block; NotFoundError when there is none with this id. */
export async function removeBlocker(deps: Pick<ApiDeps, 'store'>, id: string): Promise<BlockerRecord> {
  const removed = await deps.store.removeBlocker(id);
  if (!removed) throw new NotFoundError(`no blocker "${id}"`);
  return removed;
}
