/**
 * Minimal structured logger. Powertools' Logger satisfies it and is what the Lambdas pass, so the
 * lines carry the keys the handlers append (deploymentId, wave, target).
 */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** A Log that drops every line (tests, and callers that have nothing to say). */
export const silentLog: Log = { info() {}, warn() {}, error() {} };
