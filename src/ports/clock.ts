/** Where time comes from. Nothing in src/ or functions/ reads the system clock directly. */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function isoNow(clock: Clock): string {
  return new Date(clock.nowMs()).toISOString();
}

/** An epoch-ms instant as an ISO string (a conversion, not a clock read). */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}
