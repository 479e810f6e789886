import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalEventBus } from '../../../src/local/event-bus.js';
import { EventPatternError } from '../../../src/local/event-pattern.js';
import { VirtualTime } from '../../../src/local/virtual-time.js';
import type { Log } from '../../../src/ports/log.js';

const START_MS = Date.parse('2026-11-23T09:00:00Z');

interface TestEvent {
  readonly id: string;
  readonly source: string;
  readonly detail: { n: number };
}

const event = (source: string, n = 1): TestEvent => ({ id: `e-${source}-${n}`, source, detail: { n } });

let time: VirtualTime;

beforeEach(() => {
  time = VirtualTime.install(START_MS);
});

afterEach(() => {
  time.uninstall();
});

/** Lets virtual time run until `ms` after the start (every delivery due by then happens). */
function runUntil(ms: number): Promise<void> {
  return time.drive(new Promise<void>((resolve) => setTimeout(resolve, START_MS + ms - time.nowMs())));
}

function recordingLog() {
  const log = { info: vi.fn<Log['info']>(), warn: vi.fn<Log['warn']>(), error: vi.fn<Log['error']>() };
  return log satisfies Log;
}

describe('LocalEventBus', () => {
  it('delivers a matching event to its target one virtual second after put, not before', async () => {
    const bus = new LocalEventBus<TestEvent>({ time });
    const seenAt: number[] = [];
    bus.addRule({
      name: 'watcher',
      eventPattern: { source: ['breakwater'] },
      target: async () => {
        seenAt.push(time.nowMs() - START_MS);
      },
    });

    const matched = bus.put(event('breakwater'));
    expect(matched).toEqual(['watcher']);
    expect(seenAt).toEqual([]);
    await runUntil(10_000);

    expect(seenAt).toEqual([1000]);
    expect(bus.stats).toEqual({ put: 1, matched: 1, delivered: 1, retried: 0, failed: 0 });
  });

  it('honours the deliveryDelayMs option', async () => {
    const bus = new LocalEventBus<TestEvent>({ time, deliveryDelayMs: 5000 });
    const seenAt: number[] = [];
    bus.addRule({
      name: 'r',
      eventPattern: { source: ['a'] },
      target: async () => {
        seenAt.push(time.nowMs() - START_MS);
      },
    });
    bus.put(event('a'));
    await runUntil(4999);
    expect(seenAt).toEqual([]);
    await runUntil(6000);
    expect(seenAt).toEqual([5000]);
  });

  it('delivers to every rule the event matches and to no other', async () => {
    const bus = new LocalEventBus<TestEvent>({ time });
    const seen: string[] = [];
    const rule = (name: string, eventPattern: Record<string, unknown>) =>
      bus.addRule({
        name,
        eventPattern: eventPattern as never,
        target: async (e) => {
          seen.push(`${name}:${e.id}`);
        },
      });
    rule('by-source', { source: ['a'] });
    rule('big-n', { detail: { n: [{ numeric: ['>', 5] }] } });
    rule('other', { source: ['b'] });

    bus.put(event('a', 10));
    bus.put(event('c', 1));
    await runUntil(5000);

    expect(seen.sort()).toEqual(['big-n:e-a-10', 'by-source:e-a-10']);
    expect(bus.stats).toMatchObject({ put: 2, matched: 2, delivered: 2 });
  });

  it('does not move virtual time while a target is working', async () => {
    const bus = new LocalEventBus<TestEvent>({ time });
    const observed: { before: number; after: number }[] = [];
    bus.addRule({
      name: 'slow',
      eventPattern: { source: ['a'] },
      target: async () => {
        const before = time.nowMs();
        // Real asynchronous work (not timers) while another timer is due 1 ms later.
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
        observed.push({ before, after: time.nowMs() });
      },
    });
    let otherTimerAt = 0;
    setTimeout(() => {
      otherTimerAt = time.nowMs();
    }, 1001);

    bus.put(event('a'));
    await runUntil(2000);

    expect(observed).toEqual([{ before: START_MS + 1000, after: START_MS + 1000 }]);
    expect(otherTimerAt).toBe(START_MS + 1001);
  });

  it('retries a failing target twice, a minute then two minutes apart, and counts the delivery', async () => {
    const log = recordingLog();
    const bus = new LocalEventBus<TestEvent>({ time, log });
    const attemptsAt: number[] = [];
    bus.addRule({
      name: 'flaky',
      eventPattern: { source: ['a'] },
      target: async () => {
        attemptsAt.push(time.nowMs() - START_MS);
        if (attemptsAt.length < 3) throw new Error('boom');
      },
    });

    bus.put(event('a'));
    await runUntil(10 * 60_000);

    expect(attemptsAt).toEqual([1000, 61_000, 181_000]);
    expect(bus.stats).toEqual({ put: 1, matched: 1, delivered: 1, retried: 2, failed: 0 });
    expect(log.warn).toHaveBeenCalledTimes(2);
    expect(log.error).not.toHaveBeenCalled();
  });

  it('drops the event and logs it after the third failed attempt', async () => {
    const log = recordingLog();
    const bus = new LocalEventBus<TestEvent>({ time, log });
    let attempts = 0;
    bus.addRule({
      name: 'broken',
      eventPattern: { source: ['a'] },
      target: async () => {
        attempts++;
        throw new TypeError('no such thing');
      },
    });

    bus.put(event('a'));
    await runUntil(60 * 60_000);

    expect(attempts).toBe(3);
    expect(bus.stats).toEqual({ put: 1, matched: 1, delivered: 0, retried: 2, failed: 1 });
    expect(log.error).toHaveBeenCalledWith(
      'event bus: target failed, event dropped',
      expect.objectContaining({
        rule: 'broken',
        attempt: 3,
        error: 'TypeError: no such thing',
        event: 'e-a-1',
      }),
    );
    expect(bus.pendingDeliveries).toBe(0);
  });

  it('takes the retry schedule from retryDelaysMs', async () => {
    const bus = new LocalEventBus<TestEvent>({ time, retryDelaysMs: [10] });
    const attemptsAt: number[] = [];
    bus.addRule({
      name: 'r',
      eventPattern: { source: ['a'] },
      target: async () => {
        attemptsAt.push(time.nowMs() - START_MS);
        throw new Error('x');
      },
    });
    bus.put(event('a'));
    await runUntil(60_000);
    expect(attemptsAt).toEqual([1000, 1010]);
    expect(bus.stats.failed).toBe(1);
  });

  it('gives each target its own copy of the event', async () => {
    const bus = new LocalEventBus<TestEvent>({ time });
    const seen: number[] = [];
    bus.addRule({
      name: 'r',
      eventPattern: { source: ['a'] },
      target: async (e) => {
        seen.push(e.detail.n);
        e.detail.n = 99;
      },
    });
    bus.addRule({
      name: 's',
      eventPattern: { source: ['a'] },
      target: async (e) => {
        seen.push(e.detail.n);
      },
    });
    const original = event('a', 7);
    bus.put(original);
    original.detail.n = 8;
    await runUntil(5000);
    expect(seen).toEqual([7, 7]);
  });

  it('cancels scheduled deliveries on close and delivers nothing put afterwards', async () => {
    const bus = new LocalEventBus<TestEvent>({ time });
    const target = vi.fn(async () => {});
    bus.addRule({ name: 'r', eventPattern: { source: ['a'] }, target });
    bus.put(event('a'));
    expect(bus.pendingDeliveries).toBe(1);

    bus.close();
    expect(bus.put(event('a', 2))).toEqual([]);
    await runUntil(10_000);

    expect(target).not.toHaveBeenCalled();
    expect(bus.pendingDeliveries).toBe(0);
    expect(bus.stats).toMatchObject({ put: 2, matched: 1, delivered: 0 });
  });

  it('refuses a second rule with the same name and a pattern it cannot match', () => {
    const bus = new LocalEventBus<TestEvent>({ time });
    bus.addRule({ name: 'r', eventPattern: { source: ['a'] }, target: async () => {} });
    expect(() => bus.addRule({ name: 'r', eventPattern: { source: ['b'] }, target: async () => {} })).toThrow(
      /already exists/,
    );
    expect(() =>
      bus.addRule({ name: 'w', eventPattern: { source: [{ wildcard: 'a*' }] }, target: async () => {} }),
    ).toThrow(EventPatternError);
  });

  it('refuses a negative delivery delay, quoting it', () => {
    expect(() => new LocalEventBus({ time, deliveryDelayMs: -1 })).toThrow(/deliveryDelayMs .* got -1/);
  });
});
