/** How many targets one step invocation works on at once (each makes a few AWS calls). */
export const TARGET_CONCURRENCY = 10;

/**
 * Runs `work` on every item, at most `limit` at a time, and waits for all of them: one failure
 * does not stop the others (each side effect is idempotent, and a target left half-done is worse
 * than one done). Resolves with the results in item order, or rejects with the first failure
 * once every item has settled.
 *
 * @example const aliases = await settleAll(targets, (t) => router.getAlias(aliasRef(t)));
 */
export async function settleAll<T, R>(
  items: readonly T[],
  work: (item: T, index: number) => Promise<R>,
  limit = TARGET_CONCURRENCY,
): Promise<R[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await work(items[i] as T, i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}
