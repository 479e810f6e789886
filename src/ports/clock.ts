/** Where time comes from. Nothing in src/ or functions/ reads the system clock directly. */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function isoNow(clock: Clock): string {
  return new Date(clock.nowMs()).toISOString();
}
