import FakeTimers from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof FakeTimers.install>;

import type { Clock } from '../ports/clock.js';

// Captured before any fake clock is installed: the driver itself runs on real time.
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realNow = () => performance.now();

const tickReal = () => new Promise<void>((resolve) => realSetImmediate(resolve));
/** How often (real ms) an idle paced clock catches up with the wall clock. */
const PACE_TICK_MS = 20;
const sleepReal = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

/**
 * A virtual clock for the embedded engine. It fakes `setTimeout`, `clearTimeout` and `Date`
 * process-wide, so the Step Functions interpreter's Wait states and Retry back-off run on it, and
 * advances time only when no handler is working: when every in-flight step handler has returned
 * and the interpreter is waiting on a timer, it jumps to that timer. Real I/O (the local
 * DynamoDB on loopback) keeps running on real time, so it is never cut short.
 *
 * @example
 * const time = VirtualTime.install(Date.parse('2026-11-23T09:00:00Z'));
 * const out = await time.drive(runSomething());
 * time.uninstall();
 */
export interface VirtualTimeOptions {
  /**
   * Virtual milliseconds per wall millisecond for {@link VirtualTime.pace} (3600: an hour per
   * second). Without it, time only moves through {@link VirtualTime.drive} and `elapse`.
   */
  readonly speed?: number;
  /**
   * Seeds `Math.random` while installed (the interpreter's retry jitter draws from it), so a run
   * is the same every time. Absent: `Math.random` is left alone.
   */
  readonly seed?: number;
}

/** A running paced clock (see {@link VirtualTime.pace}). */
export interface PacedRun {
  /** Virtual milliseconds per wall millisecond. */
  readonly speed: number;
  /** Stops moving time; resolves once the pacer has let go (a handler in flight may hold it). */
  stop(): Promise<void>;
}

export class VirtualTime {
  private inFlight = 0;
  /** Waits inside handlers for a remote answer (see awayFor): in flight, but not holding time. */
  private away = 0;
  private activity = 0;
  private waiters: (() => void)[] = [];
  private uninstalled = false;
  readonly clock: Clock;

  private constructor(
    private readonly fake: InstalledClock,
    private readonly speed?: number,
    private readonly restoreRandom?: () => void,
  ) {
    this.clock = { nowMs: () => this.fake.now };
  }

  /**
   * Fakes `setTimeout`, `clearTimeout` and `Date` from `startMs`. With `speed`, {@link pace}
   * runs the clock at that rate against the wall clock (the local control plane).
   *
   * @example
   * const time = VirtualTime.install(Date.parse('2026-11-23T09:00:00Z'), { speed: 3600 });
   * const run = time.pace(); // an hour of virtual time per wall second, until run.stop()
   */
  static install(startMs: number, options: VirtualTimeOptions = {}): VirtualTime {
    if (options.speed !== undefined) assertSpeed(options.speed);
    const restoreRandom = options.seed === undefined ? undefined : seedMathRandom(options.seed);
    const fake = FakeTimers.install({
      now: startMs,
      toFake: ['setTimeout', 'clearTimeout', 'Date'],
      loopLimit: 1e9,
      // Timers the SDK created before install are cleared by it later: let them go quietly.
      shouldClearNativeTimers: true,
    });
    return new VirtualTime(fake, options.speed, restoreRandom);
  }

  nowMs(): number {
    return this.fake.now;
  }

  /** Lets `ms` of virtual time pass now, firing any timer that falls due. */
  elapse(ms: number): void {
    this.fake.tick(ms);
  }

  /** Runs `work` as a step handler: time does not move while it runs. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      this.wakeIfIdle();
    }
  }

  /** Lets a waiting drive/pace loop go on once nothing holds time any more. */
  private wakeIfIdle(): void {
    if (this.inFlight > this.away) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /**
   * Drives virtual time until `promise` settles. `maxVirtualMs` bounds a run that would never end
   * (a workflow waiting forever): it rejects with the time reached.
   */
  async drive<T>(promise: Promise<T>, options: { maxVirtualMs?: number; stallMs?: number } = {}): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => {
      settled = true;
    });
    tracked.catch(() => {});
    const deadline = this.fake.now + (options.maxVirtualMs ?? 400 * 86_400_000);
    const stallMs = options.stallMs ?? 30_000;
    let idleSince = realNow();
    while (!settled && !this.uninstalled) {
      await this.quiesce();
      if (settled) break;
      if (this.fake.countTimers() === 0) {
        // Nothing scheduled and no handler running: something awaits real I/O we do not track.
        if (realNow() - idleSince > stallMs)
          throw new Error('embedded engine stalled: no timer and no step running');
        await sleepReal(1);
        continue;
      }
      idleSince = realNow();
      if (this.fake.now > deadline) {
        throw new Error(
          `virtual time passed its bound (${new Date(deadline).toISOString()}) without the run ending`,
        );
      }
      this.fake.next();
    }
    return tracked;
  }

  /**
   * Runs virtual time at `speed` × wall time until stopped, for a long-running process (the local
   * control plane): virtual time never runs ahead of `start + wall elapsed × speed`, fires each
   * timer at its own instant in order, and — as in {@link drive} — never moves while a handler is
   * in flight. When the work takes longer than the pace allows, time simply runs as fast as the
   * work goes. The pacer sleeps on real timers captured before any fake clock was installed.
   *
   * @example
   * const run = time.pace({ speed: 3600 });
   * // ... serve requests; Wait states and bakes progress an hour per second ...
   * await run.stop();
   */
  pace(
    options: {
      readonly speed?: number;
      /**
       * Called (synchronously) before time passes `untilMs`, with a new bound `leaseMs` further
       * on: a process that saves it durably can restart from it and its clock never goes back,
       * whenever it is killed.
       */
      readonly reserve?: (untilMs: number) => void;
      /** @default 10 virtual minutes */
      readonly leaseMs?: number;
    } = {},
  ): PacedRun {
    const speed = options.speed ?? this.speed;
    if (speed === undefined) throw new Error('pace: no speed given (install with { speed } or pass one)');
    assertSpeed(speed);
    const originVirtual = this.fake.now;
    const originWall = realNow();
    const leaseMs = options.leaseMs ?? 600_000;
    let reservedUntil = Number.NEGATIVE_INFINITY;
    const reserve = (toMs: number) => {
      if (!options.reserve || toMs <= reservedUntil) return;
      reservedUntil = toMs + leaseMs;
      options.reserve(reservedUntil);
    };
    reserve(this.fake.now);
    let stopping = false;
    const done = (async () => {
      while (!stopping && !this.uninstalled) {
        await this.quiesce();
        if (stopping || this.uninstalled) break;
        const limit = Math.floor(originVirtual + (realNow() - originWall) * speed);
        const next = this.nextTimerAt();
        if (next !== undefined && next <= limit) {
          // Fire one timer at its own instant, then let its work run before time moves again.
          reserve(next);
          this.fake.next();
          continue;
        }
        // No timer due yet: let time flow up to the pace (fires nothing, as none is due).
        if (limit > this.fake.now) {
          reserve(limit);
          this.fake.tick(limit - this.fake.now);
        }
        const untilNext = next === undefined ? PACE_TICK_MS : (next - limit) / speed;
        await sleepReal(Math.max(1, Math.min(PACE_TICK_MS, untilNext)));
      }
    })();
    return {
      speed,
      stop: async () => {
        stopping = true;
        await done;
      },
    };
  }

  /** When the earliest pending timer falls due, without firing it; undefined when none. */
  private nextTimerAt(): number | undefined {
    // fake-timers keeps its timers in a min-heap by due time; it has no public peek.
    const internals = this.fake as unknown as {
      timerHeap?: { peek(): { callAt: number } | undefined | null };
      timers?: Map<number, { callAt: number }>;
    };
    if (internals.timerHeap) return internals.timerHeap.peek()?.callAt ?? undefined;
    if (internals.timers instanceof Map) {
      let first: number | undefined;
      for (const t of internals.timers.values())
        if (first === undefined || t.callAt < first) first = t.callAt;
      return first;
    }
    return this.fake.countTimers() === 0 ? undefined : this.fake.now;
  }

  /**
   * Inside a handler: waits `ms` of virtual time the way a call to a remote service does (a hook
   * taking two minutes to answer). The handler stops counting as in flight meanwhile, so time can
   * move; it counts again once the wait is over.
   */
  async awayFor(ms: number): Promise<void> {
    this.away++;
    this.wakeIfIdle();
    try {
      await new Promise<void>((resolve) => setTimeout(resolve, ms));
    } finally {
      this.away--;
    }
  }

  /** Marks progress that does not run through a handler (an interpreter state event). */
  touch(): void {
    this.activity++;
  }

  /** Whether a step handler (or tracked I/O) is running now. */
  get busy(): boolean {
    return this.inFlight > this.away;
  }

  /** Waits until no handler is in flight and the microtask/IO queues have drained. */
  private async quiesce(): Promise<void> {
    for (;;) {
      // Never move time while a handler runs: its own timers (an SDK back-off) are not the
      // interpreter's, and firing the next one could be a Task timeout that AWS would not hit.
      while (this.inFlight > this.away) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
      // Settled means: no handler running and the interpreter made no progress for a few real
      // ticks (it moves between states asynchronously; each state event marks activity).
      const seen = this.activity;
      await tickReal();
      await tickReal();
      await tickReal();
      if (this.inFlight <= this.away && this.activity === seen) return;
    }
  }

  uninstall(): void {
    if (this.uninstalled) return;
    this.uninstalled = true;
    this.fake.uninstall();
    this.restoreRandom?.();
  }
}

/** Replaces Math.random with a seeded generator (mulberry32); returns what puts it back. */
function seedMathRandom(seed: number): () => void {
  const original = Math.random;
  let state = seed >>> 0;
  Math.random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return () => {
    Math.random = original;
  };
}

function assertSpeed(speed: number): void {
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new Error(`speed: expected a positive number of virtual ms per wall ms, got ${speed}`);
  }
}
