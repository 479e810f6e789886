/*
 * Hook limits, kept apart from the pipeline schema: the AWS hook client needs the longest timeout,
 * and importing it from pipeline.ts would put zod and luxon into every step Lambda's bundle.
 */

/** The longest a hook may take to answer: the hook step's Lambda runs at most 15 minutes. */
export const MAX_HOOK_TIMEOUT_SECONDS = 840;
