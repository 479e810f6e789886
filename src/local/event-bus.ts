import { type Log, silentLog } from '../ports/log.js';
import { assertEventPattern, type EventPattern, matchesEventPattern } from './event-pattern.js';
import type { VirtualTime } from './virtual-time.js';

/*
 * The embedded engine's EventBridge: rules with event patterns and asynchronous targets, on the
 * virtual clock. What it keeps from EventBridge:
 *   - put() returns at once; each matching rule's target runs later, after a delivery delay
 *     (EventBridge delivers within well under a second; the default here is one virtual second);
 *   - a target that fails is retried the way Lambda retries an asynchronous invocation from
 *     EventBridge — two more attempts, one virtual minute then two more — then the event is
 *     dropped (logged), never retried forever;
 *   - a target gets its own copy of the event (a Lambda receives JSON, not a shared object).
 * Each delivery runs inside `time.track(...)`, so virtual time does not move while a target works.
 */

/** A rule: which events it matches and where they go. */
export interface EventBusRule<E extends object> {
  /** Unique on the bus, as on EventBridge; used in logs. */
  readonly name: string;
  /** An EventBridge event pattern (see `matchesEventPattern`). */
  readonly eventPattern: EventPattern;
  /** Receives each matching event, asynchronously. A rejection is retried, then dropped. */
  readonly target: (event: E) => Promise<void>;
}

/** How to build a {@link LocalEventBus}. */
export interface LocalEventBusOptions {
  /** The virtual clock; deliveries and retries are fake-timer timeouts on it. */
  readonly time: VirtualTime;
  /** Where retries and dropped events are reported. @default silent */
  readonly log?: Log;
  /** Virtual ms from put() to a target's first attempt. @default 1000 */
  readonly deliveryDelayMs?: number;
  /**
   * Virtual ms before each retry of a failed target; its length is the number of retries.
   * @default [60_000, 120_000] (Lambda's asynchronous retries: 2 more attempts, 1 then 2 minutes apart)
   */
  readonly retryDelaysMs?: readonly number[];
}

/** What the bus has done so far. */
export interface EventBusStats {
  /** Events put on the bus. */
  readonly put: number;
  /** Event × rule pairs that matched (one event matching two rules counts 2). */
  readonly matched: number;
  /** Deliveries whose target succeeded (on any attempt). */
  readonly delivered: number;
  /** Failed attempts that were retried. */
  readonly retried: number;
  /** Deliveries dropped after the last attempt failed. */
  readonly failed: number;
}

const DEFAULT_DELIVERY_DELAY_MS = 1000;
const DEFAULT_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/**
 * An in-process event bus with EventBridge's rule matching and asynchronous delivery.
 *
 * @example
 * const bus = new LocalEventBus<AlarmStateChangeEvent>({ time });
 * bus.addRule({ name: 'alarm-watcher', eventPattern: ALARM_STATE_CHANGE_PATTERN, target: onAlarm });
 * bus.put(event); // onAlarm(event) runs one virtual second later
 */
export class LocalEventBus<E extends object = object> {
  private readonly time: VirtualTime;
  private readonly log: Log;
  private readonly deliveryDelayMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly rules = new Map<string, EventBusRule<E>>();
  private readonly pending = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;
  private counts = { put: 0, matched: 0, delivered: 0, retried: 0, failed: 0 };

  constructor(options: LocalEventBusOptions) {
    const delay = options.deliveryDelayMs ?? DEFAULT_DELIVERY_DELAY_MS;
    assertDelay(delay, 'deliveryDelayMs');
    const retries = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    retries.forEach((ms, i) => {
      assertDelay(ms, `retryDelaysMs[${i}]`);
    });
    this.time = options.time;
    this.log = options.log ?? silentLog;
    this.deliveryDelayMs = delay;
    this.retryDelaysMs = [...retries];
  }

  /**
   * Adds a rule. Throws EventPatternError for a pattern EventBridge would refuse or that uses an
   * operator the bus does not implement, and an Error for a name already taken.
   */
  addRule(rule: EventBusRule<E>): void {
    if (this.rules.has(rule.name)) throw new Error(`event bus: a rule named "${rule.name}" already exists`);
    assertEventPattern(rule.eventPattern);
    this.rules.set(rule.name, rule);
  }

  /** Removes a rule; deliveries already scheduled for it still happen, as on EventBridge. */
  removeRule(name: string): boolean {
    return this.rules.delete(name);
  }

  /**
   * Puts an event on the bus and schedules a delivery to every rule it matches. Returns the
   * names of those rules. After {@link close}, events are counted but go nowhere.
   */
  put(event: E): string[] {
    this.counts.put++;
    if (this.closed) return [];
    const matched: string[] = [];
    for (const rule of this.rules.values()) {
      if (!matchesEventPattern(rule.eventPattern, event)) continue;
      matched.push(rule.name);
      this.counts.matched++;
      this.schedule(rule, structuredClone(event), 1, this.deliveryDelayMs);
    }
    return matched;
  }

  /** Counts so far. */
  get stats(): EventBusStats {
    return { ...this.counts };
  }

  /** Deliveries scheduled and not yet attempted (retries included). */
  get pendingDeliveries(): number {
    return this.pending.size;
  }

  /** Cancels every scheduled delivery and refuses new ones; a target already running finishes. */
  close(): void {
    this.closed = true;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  private schedule(rule: EventBusRule<E>, event: E, attempt: number, delayMs: number): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      void this.time.track(() => this.attempt(rule, event, attempt));
    }, delayMs);
    this.pending.add(timer);
  }

  private async attempt(rule: EventBusRule<E>, event: E, attempt: number): Promise<void> {
    try {
      await rule.target(event);
      this.counts.delivered++;
    } catch (error) {
      const retryDelay = this.retryDelaysMs[attempt - 1];
      const context = { rule: rule.name, attempt, error: describeError(error), event: eventId(event) };
      if (retryDelay !== undefined && !this.closed) {
        this.counts.retried++;
        this.log.warn('event bus: target failed, retrying', { ...context, retryInMs: retryDelay });
        this.schedule(rule, event, attempt + 1, retryDelay);
      } else {
        this.counts.failed++;
        this.log.error('event bus: target failed, event dropped', context);
      }
    }
  }
}

function assertDelay(ms: number, name: string): void {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new Error(`event bus: ${name} expected a number of virtual ms ≥ 0, got ${ms}`);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function eventId(event: object): unknown {
  return (event as { id?: unknown }).id;
}
