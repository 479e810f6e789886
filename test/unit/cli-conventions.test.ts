import { describe, expect, it } from 'vitest';
import { ApiRequestError, flagOfField, inFlagTerms } from '../../src/cli/client.js';
import { colourEnabled, palette } from '../../src/cli/colour.js';
import {
  advanceProgress,
  liveProgress,
  renderProgressLine,
  type SimulationProgress,
} from '../../src/cli/progress.js';
import { InvalidInputError } from '../../src/core/errors.js';
import type { BakeProgress, TimelineEvent } from '../../src/ports/store.js';

const URL_ = 'http://127.0.0.1:8787/pipelines/payments-api/deployments';

describe('flagOfField', () => {
  it.each([
    ['start', 'change.id', '--change'],
    ['start', 'change.version', '--version'],
    ['start', 'requestedBy', '--as'],
    ['stop', 'by', '--as'],
    ['stop', 'reason', '--reason'],
    ['rollback', 'leave[2]', '--leave'],
    ['block', 'scope.pipeline', '--scope'],
    ['block', 'author', '--as'],
    ['block', 'expiresAt', '--expires'],
    ['override', 'blockerId', '<blockerId>'],
    ['veto', 'by', '--as'],
    ['metrics', 'query.bucket', '--bucket'],
    ['trigger codecommit', 'detail.commitId', '--commit'],
  ])('names the flag of %s that sets %s: %s', (command, path, flag) => {
    expect(flagOfField(command, path)).toBe(flag);
  });

  it('names no flag for a field the command does not set', () => {
    expect(flagOfField('start', 'expedite.reason')).toBeUndefined();
    expect(flagOfField('status', 'by')).toBeUndefined();
  });
});

describe('inFlagTerms', () => {
  it("turns an API 400 into an InvalidInputError whose issues name the command's flags", () => {
    // Prepare
    const refused = new ApiRequestError('POST', URL_, 400, {
      error: 'invalid request',
      issues: [
        { path: 'change.id', message: 'Too big: expected string to have <=200 characters' },
        { path: 'requestedBy', message: 'Too small: expected string to have >=1 characters' },
        { path: 'expedite', message: 'unexpected' },
      ],
    });

    // Act
    const said = inFlagTerms('start', refused);

    // Assess
    expect(said).toBeInstanceOf(InvalidInputError);
    const error = said as InvalidInputError;
    expect(error.issues.map((i) => i.path)).toEqual(['--change', '--as', 'expedite']);
    expect(error.message).toContain('--change: Too big');
    expect(error.message).not.toContain('change.id');
    expect(error.message).not.toContain('requestedBy');
  });

  it('names flags for API fields quoted in a message', () => {
    const refused = new ApiRequestError('POST', URL_, 400, {
      error: 'invalid request',
      issues: [{ path: 'leave', message: '"leave" only counts with "force": true' }],
    });

    const said = inFlagTerms('rollback', refused) as InvalidInputError;

    expect(said.message).toContain('--leave: --leave only counts with --force: true');
  });

  it('leaves other statuses, 400s without issues and other errors as they are', () => {
    const notFound = new ApiRequestError('GET', URL_, 404, { error: 'deployment "d1" not found' });
    const bare = new ApiRequestError('POST', URL_, 400, { error: 'request body is not JSON' });
    const other = new Error('boom');

    expect(inFlagTerms('start', notFound)).toBe(notFound);
    expect(inFlagTerms('start', bare)).toBe(bare);
    expect(inFlagTerms('start', other)).toBe(other);
  });
});

describe('colourEnabled', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, { NO_COLOR: '1' }, false],
    [true, { TERM: 'dumb' }, false],
    [false, { FORCE_COLOR: '1' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [false, { FORCE_COLOR: '1', NO_COLOR: 'yes' }, false],
  ] as const)('on a TTY %s with %j: %s', (isTTY, env, expected) => {
    expect(colourEnabled({ isTTY }, env)).toBe(expected);
  });

  it('colours with ANSI codes only when enabled', () => {
    expect(palette(true).red('error:')).toBe('\u001b[31merror:\u001b[39m');
    expect(palette(false).red('error:')).toBe('error:');
  });
});

const T0 = Date.parse('2026-11-23T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const event = (minutes: number, type: string, wave?: number): TimelineEvent => ({
  deploymentId: 'd1',
  at: at(minutes),
  key: `${type}-${minutes}`,
  type,
  message: `${type} at ${minutes}m`,
  ...(wave !== undefined ? { wave } : {}),
});
const bake = (startMinutes: number, verdict: BakeProgress['verdict']): BakeProgress => ({
  phase: 'one-box',
  startedAt: at(startMinutes),
  durationSeconds: 1800,
  minDataPoints: 200,
  dataPoints: 40,
  verdict,
  alarms: [{ name: 'errors', state: 'OK' }],
});
const START: SimulationProgress = { plannedSeconds: 27_000, waves: ['canary', 'europe', 'world'] };

describe('renderProgressLine', () => {
  it('shows virtual time of the plan as a bar, the wave being run and its bake', () => {
    // Prepare: europe (the second wave) started at 2h30m; its one-box bake began 5 minutes later
    let progress = advanceProgress(START, { event: event(0, 'deployment-started') });
    progress = advanceProgress(progress, { event: event(150, 'wave-started', 1) });
    progress = advanceProgress(progress, { bake: bake(155, 'baking'), nowMs: T0 + 165 * 60_000 });

    // Act
    const line = renderProgressLine(progress, 10);

    // Assess
    expect(line).toBe(
      'virtual 2h45m of 7h30m [████░░░░░░]  36% | wave 2/3 europe | one-box bake 10m/30m, 40/200 data points',
    );
  });

  it('drops a bake once it has ended, and fills the bar when the run outlasts the plan', () => {
    let progress = advanceProgress(START, { event: event(0, 'deployment-started') });
    progress = advanceProgress(progress, { event: event(0, 'wave-started', 0) });
    progress = advanceProgress(progress, { bake: bake(0, 'baking'), nowMs: T0 });
    progress = advanceProgress(progress, { bake: bake(0, 'baked'), nowMs: T0 + 600 * 60_000 });

    expect(renderProgressLine(progress, 4)).toBe('virtual 10h of 7h30m [████] 100% | wave 1/3 canary');
  });

  it('starts empty before any event', () => {
    expect(renderProgressLine(START, 4)).toBe('virtual 0s of 7h30m [░░░░]   0%');
  });
});

describe('liveProgress', () => {
  it('prints every line and, without a terminal, draws no bar', () => {
    const lines: string[] = [];
    const live = liveProgress({ waves: [{ name: 'canary' }] }, 600, (l) => lines.push(l));

    live.onEvent(event(0, 'wave-started', 0));
    live.finish();

    expect(lines).toEqual(['[2026-11-23 09:00]   wave-started at 0m']);
  });

  it('on a terminal, clears the bar before each line and draws it again after', () => {
    // Prepare
    const out: string[] = [];
    const drawn: string[] = [];
    const terminal = { columns: 200, write: (s: string) => drawn.push(s) > 0 };
    const live = liveProgress({ waves: [{ name: 'canary' }] }, 600, (l) => out.push(l), terminal as never);

    // Act
    live.onEvent(event(0, 'wave-started', 0));
    live.onEvent(event(5, 'target-step'));
    live.finish();

    // Assess
    expect(out).toHaveLength(2);
    expect(drawn).toEqual([
      '\rvirtual 0s of 10m [░░░░░░░░░░░░░░░░░░░░░░░░]   0% | wave 1/1 canary\u001b[K',
      '\r\u001b[2K',
      '\rvirtual 5m of 10m [████████████░░░░░░░░░░░░]  50% | wave 1/1 canary\u001b[K',
      '\r\u001b[2K',
    ]);
  });
});
