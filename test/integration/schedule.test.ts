import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { predictPipelineSchedule } from '../../src/cli/schedule.js';
import { simulate } from '../../src/cli/simulate.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { resolvePipeline } from '../../src/core/pipeline.js';

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const pipeline = resolvePipeline(read('examples/checkout.pipeline.json'));
const scenario = read('examples/scenarios/friday-afternoon.scenario.json');

describe('schedule prediction', () => {
  it('predicts a Friday-afternoon start waiting over the weekend for each region’s working hours', () => {
    const s = predictPipelineSchedule(pipeline, '2026-12-04T18:30:00Z');

    expect(s.waves.map((w) => [w.name, w.earliestStart])).toEqual([
      ['canary', '2026-12-04T18:30:00.000Z'], // 13:30 in New York, before Friday 14:00
      ['europe', '2026-12-07T09:00:00.000Z'], // Monday 09:00 in Dublin
      ['asia', '2026-12-08T00:00:00.000Z'], // Tuesday 09:00 in Tokyo
    ]);
    expect(s.expectedEnd).toBe(s.waves.at(-1)!.expectedEnd);
  });

  it('matches what the embedded engine actually does, wave by wave, to the minute', async () => {
    const predicted = predictPipelineSchedule(pipeline, '2026-12-04T18:30:00Z');
    const result = await simulate(pipeline, scenario as never);

    expect(result.outcome).toBe('succeeded');
    const started = result.timeline.filter((e) => e.type === 'wave-started').map((e) => Date.parse(e.at));
    predicted.waves.forEach((w, i) => {
      expect(Math.abs(started[i]! - Date.parse(w.earliestStart))).toBeLessThan(60_000);
    });
    expect(result.timeline.some((e) => e.type === 'wave-blocked' && /Europe\/Dublin/.test(e.message))).toBe(
      true,
    );
  });

  it('refuses a --from that is not an ISO time, quoting it', () => {
    expect(() => predictPipelineSchedule(pipeline, 'next friday')).toThrow(InvalidInputError);
    expect(() => predictPipelineSchedule(pipeline, 'next friday')).toThrow(
      /--from: expected an ISO time .*got "next friday"/,
    );
  });
});
