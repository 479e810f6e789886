import FakeTimers from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof FakeTimers.install>;

import type { Clock } from '../ports/clock.js';

// Captured before any fake clock is installed: the driver itself runs on real time.
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realNow = () => performance.now();

const tickReal = () => new Promise<void>((resolve) => realSetImmediate(resolve));
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
export class VirtualTime {
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private uninstalled = false;
  readonly clock: Clock;

  private constructor(private readonly fake: InstalledClock) {
    this.clock = { nowMs: () => this.fake.now };
  }

  static install(startMs: number): VirtualTime {
    const fake = FakeTimers.install({
      now: startMs,
      toFake: ['setTimeout', 'clearTimeout', 'Date'],
      loopLimit: 1e9,
      // Timers the SDK created before install are cleared by it later: let them go quietly.
      shouldClearNativeTimers: true,
    });
    return new VirtualTime(fake);
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
      if (this.inFlight === 0) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      }
    }
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

  /** Waits until no handler is in flight and the microtask/IO queues have drained. */
  private async quiesce(): Promise<void> {
    for (;;) {
      // Never move time while a handler runs: its own timers (an SDK back-off) are not the
      // interpreter's, and firing the next one could be a Task timeout that AWS would not hit.
      while (this.inFlight > 0) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
      await tickReal();
      await tickReal();
      if (this.inFlight === 0) return;
    }
  }

  uninstall(): void {
    if (this.uninstalled) return;
    this.uninstalled = true;
    this.fake.uninstall();
  }
}
