/**
 * The benchmark's only source of randomness: mulberry32, a 32-bit seeded generator. Every draw of
 * a chaos run comes from one of these, so `--seed N` replays the same schedules, kills and
 * requests (timing on the machine still decides where a kill lands in a deployment).
 *
 * `Math.random` is never used: the embedded engine seeds it with the scenario's seed while a
 * simulation runs, which would tie the generator's draws to the engine's.
 *
 * @example
 * const random = new Random(42);
 * random.int(1, 6); // the same number on every run with seed 42
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A float in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick: no items to pick from');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One of `choices`, each drawn with its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  /** A seed for a child generator or a scenario (`seed` is an unsigned 32-bit integer). */
  seed(): number {
    return Math.floor(this.next() * 4_294_967_296);
  }

  /** `length` random bytes. */
  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** `length` lowercase hex digits. */
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += '0123456789abcdef'[Math.floor(this.next() * 16)];
    return out;
  }
}
