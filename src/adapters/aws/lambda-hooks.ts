import { InvokeCommand } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import { formatDuration } from '../../core/duration.js';
import { ThrottledError, TransientError } from '../../core/errors.js';
import type { HookAnswer, HookFunction, HookInvoker, HookRequest } from '../../ports/hooks.js';
import type { ClientProvider } from './clients.js';
import { withAwsErrors } from './errors.js';

/** What a hook must return: its verdict, and why (required when it failed). */
const AnswerSchema = z.object({
  status: z.enum(['succeeded', 'failed']),
  reason: z.optional(z.string()),
});

const MAX_REASON = 1000;

/**
 * Invokes hook functions with Lambda `Invoke` (RequestResponse): the hook's JSON answer is its
 * verdict. A function error (the hook threw), an answer that is not `{"status": "succeeded" |
 * "failed", "reason"?}` or no answer within the hook's timeout is a `failed` answer saying so;
 * throttling and transient service errors are thrown (the step is retried).
 *
 * @example
 * const hooks = new LambdaHookInvoker(new AwsClientProvider({ homeAccount: '111111111111' }));
 * await hooks.invoke({ functionName: 'smoke-test', account: '222222222222', region: 'eu-west-1' }, request, 300_000);
 */
export class LambdaHookInvoker implements HookInvoker {
  readonly #clients: ClientProvider;

  constructor(clients: ClientProvider) {
    this.#clients = clients;
  }

  async invoke(fn: HookFunction, request: HookRequest, timeoutMs: number): Promise<HookAnswer> {
    // A client of its own where the provider has one: one attempt (the SDK must not invoke a hook
    // twice on a reset) and a request timeout longer than any hook's.
    const scope = { account: fn.account, region: fn.region };
    const client = this.#clients.hookLambda?.(scope) ?? this.#clients.lambda(scope);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const context = {
        operation: 'Invoke',
        resource: fn.functionName,
        region: fn.region,
        account: fn.account,
      };
      const out = await withAwsErrors(context, () =>
        client.send(
          new InvokeCommand({
            FunctionName: fn.functionName,
            InvocationType: 'RequestResponse',
            Payload: new TextEncoder().encode(JSON.stringify(request)),
          }),
          { abortSignal: abort.signal },
        ),
      );
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      if (out.FunctionError) {
        return {
          status: 'failed',
          reason: `the hook function failed: ${describeError(text)}`.slice(0, MAX_REASON),
        };
      }
      return parseAnswer(text);
    } catch (error) {
      if (abort.signal.aborted) {
        return { status: 'failed', reason: `no answer within ${formatDuration(timeoutMs / 1000)}` };
      }
      // Throttling and transient faults: the step is retried. Anything else (no such function,
      // access denied, a payload too large) no retry cures: the hook failed, and says why.
      if (error instanceof ThrottledError || error instanceof TransientError) throw error;
      return {
        status: 'failed',
        reason:
          `could not invoke ${fn.functionName} in ${fn.region}/${fn.account}: ${(error as Error).message}`.slice(
            0,
            MAX_REASON,
          ),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A hook's payload as an answer; anything else is a failure that says what came back. */
export function parseAnswer(text: string): HookAnswer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { status: 'failed', reason: `the hook answered ${quote(text)}, not JSON` };
  }
  const parsed = AnswerSchema.safeParse(value);
  if (!parsed.success) {
    return {
      status: 'failed',
      reason: `the hook answered ${quote(text)}; expected {"status": "succeeded" | "failed", "reason": "..."}`,
    };
  }
  const reason = parsed.data.reason?.slice(0, MAX_REASON);
  if (parsed.data.status === 'failed') return { status: 'failed', reason: reason || 'no reason given' };
  return reason ? { status: 'succeeded', reason } : { status: 'succeeded' };
}

function describeError(text: string): string {
  try {
    const e = JSON.parse(text) as { errorType?: string; errorMessage?: string };
    if (e.errorType || e.errorMessage) return [e.errorType, e.errorMessage].filter(Boolean).join(': ');
  } catch {
    // not JSON: quote it
  }
  return quote(text);
}

const quote = (text: string) => JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
