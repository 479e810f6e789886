import type { HookMoment } from '../core/pipeline.js';

/** Where a hook function lives: a name in an account and region (from a plain name or an ARN). */
export interface HookFunction {
  readonly functionName: string;
  readonly account: string;
  readonly region: string;
}

/**
 * What a hook receives (the Lambda event): who is deploying what, where, and by when it must
 * answer. `target` and `versions` are absent for a wave hook.
 */
export interface HookRequest {
  readonly hook: string;
  readonly at: HookMoment;
  readonly deploymentId: string;
  readonly pipeline: string;
  readonly change: { readonly id: string; readonly description?: string };
  readonly wave: { readonly index: number; readonly name: string; readonly stage: string };
  readonly target?: {
    readonly id: string;
    readonly account: string;
    readonly region: string;
    readonly functionName: string;
    readonly alias: string;
    readonly cell?: string;
  };
  readonly versions?: { readonly previous: string; readonly new: string };
  /** ISO time by which the hook must have answered. */
  readonly deadline: string;
}

/** A hook's answer. Anything else it returns, or a crash, is a failure with what went wrong. */
export type HookAnswer =
  | { readonly status: 'succeeded'; readonly reason?: string }
  | { readonly status: 'failed'; readonly reason: string };

/**
 * Invokes deployment hooks synchronously. An implementation answers `failed` (with why) for a
 * hook that crashed, answered nonsense or did not answer within `timeoutMs`; it throws only for
 * what a retry may cure (throttling, a transient service error).
 */
export interface HookInvoker {
  invoke(fn: HookFunction, request: HookRequest, timeoutMs: number): Promise<HookAnswer>;
}
