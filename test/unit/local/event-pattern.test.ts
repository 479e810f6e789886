import { describe, expect, it } from 'vitest';
import {
  assertEventPattern,
  type EventPattern,
  EventPatternError,
  matchesEventPattern,
} from '../../../src/local/event-pattern.js';
import { ALARM_STATE_CHANGE_PATTERN } from '../../../src/ports/alarm-events.js';

// The EC2 example event of the EventBridge user guide, with a few extra fields to match on.
const EVENT = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000',
    'arn:aws:ec2:us-east-1:123456789012:instance/i-111111bbbbbb11111',
  ],
  detail: {
    'c-count': 5,
    'x-limit': 301.8,
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
    'file-name': 'report.PNG',
    empty: '',
    nothing: null,
    tags: ['blue', 'green'],
    volumes: [
      { size: 8, type: 'gp3' },
      { size: 100, type: 'io2' },
    ],
    nested: { inner: 1 },
    none: [],
  },
} as const;

describe('matchesEventPattern', () => {
  it.each<[string, EventPattern, boolean]>([
    // exact values
    ['an exact string', { source: ['aws.ec2'] }, true],
    ['one of several strings', { source: ['aws.s3', 'aws.ec2'] }, true],
    ['a different string', { source: ['aws.s3'] }, false],
    ['case matters for exact strings', { source: ['AWS.EC2'] }, false],
    ['an exact number', { detail: { 'c-count': [5] } }, true],
    ['a number equal in another notation', { detail: { 'x-limit': [3.018e2] } }, true],
    ['a string is not the number it spells', { detail: { 'c-count': ['5'] } }, false],
    ['null matches null', { detail: { nothing: [null] } }, true],
    ['the empty string matches ""', { detail: { empty: [''] } }, true],
    ['null is not the empty string', { detail: { nothing: [''] } }, false],
    ['the empty string is not null', { detail: { empty: [null] } }, false],
    // AND across fields, nesting
    ['every field must match', { source: ['aws.ec2'], detail: { state: ['running'] } }, true],
    ['one field failing fails the pattern', { source: ['aws.ec2'], detail: { state: ['stopped'] } }, false],
    ['a field absent from the event does not match', { detail: { color: ['red'] } }, false],
    ['a nested field absent with its parent does not match', { missing: { color: ['red'] } }, false],
    ['a leaf pattern against an object does not match', { detail: { nested: [1] } }, false],
    ['an object pattern against a leaf does not match', { source: { value: ['aws.ec2'] } }, false],
    ['the empty pattern matches everything', {}, true],
    // arrays in the event
    ['an array matches when any element does', { resources: [EVENT.resources[1]] }, true],
    ['an array intersecting the pattern list', { detail: { tags: ['red', 'green'] } }, true],
    ['an array with no element in the pattern list', { detail: { tags: ['red'] } }, false],
    [
      'an object pattern against an array of objects',
      { detail: { volumes: { type: ['io2'], size: [100] } } },
      true,
    ],
    [
      'fields of an array element match together',
      { detail: { volumes: { type: ['io2'], size: [8] } } },
      false,
    ],
    // prefix, suffix, equals-ignore-case
    ['a prefix', { time: [{ prefix: '2017-10-02' }] }, true],
    ['a prefix that is not there', { time: [{ prefix: '2018' }] }, false],
    ['a prefix only applies to strings', { detail: { 'c-count': [{ prefix: '5' }] } }, false],
    [
      'a prefix ignoring case',
      { detail: { 'instance-id': [{ prefix: { 'equals-ignore-case': 'I-000' } }] } },
      true,
    ],
    ['a suffix', { detail: { 'file-name': [{ suffix: '.PNG' }] } }, true],
    ['a suffix is case-sensitive', { detail: { 'file-name': [{ suffix: '.png' }] } }, false],
    [
      'a suffix ignoring case',
      { detail: { 'file-name': [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      true,
    ],
    ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, true],
    ['equals-ignore-case is still equality', { source: [{ 'equals-ignore-case': 'aws.ec' }] }, false],
    // anything-but
    ['anything-but another string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, true],
    ['anything-but the value itself', { detail: { state: [{ 'anything-but': 'running' }] } }, false],
    [
      'anything-but a list holding the value',
      { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } },
      false,
    ],
    [
      'anything-but a list without the value',
      { detail: { state: [{ 'anything-but': ['stopped', 'paused'] }] } },
      true,
    ],
    ['anything-but a number', { detail: { 'c-count': [{ 'anything-but': 6 }] } }, true],
    ['anything-but the number itself', { detail: { 'c-count': [{ 'anything-but': [4, 5] }] } }, false],
    ['anything-but a prefix the value has', { region: [{ 'anything-but': { prefix: 'us-' } }] }, false],
    ['anything-but a prefix the value lacks', { region: [{ 'anything-but': { prefix: 'eu-' } }] }, true],
    [
      'anything-but a suffix the value has',
      { detail: { 'file-name': [{ 'anything-but': { suffix: '.PNG' } }] } },
      false,
    ],
    [
      'anything-but ignoring case',
      { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] } },
      false,
    ],
    ['anything-but needs the field', { detail: { color: [{ 'anything-but': 'red' }] } }, false],
    [
      'anything-but on an array: any other element matches',
      { detail: { tags: [{ 'anything-but': 'blue' }] } },
      true,
    ],
    [
      'anything-but on an array: every element excluded',
      { detail: { tags: [{ 'anything-but': ['blue', 'green'] }] } },
      false,
    ],
    // numeric
    ['numeric within a closed range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, true],
    ['numeric outside the range', { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, false],
    ['numeric equality', { detail: { 'x-limit': [{ numeric: ['=', 301.8] }] } }, true],
    ['numeric >= at the bound', { detail: { 'c-count': [{ numeric: ['>=', 5, '<', 6] }] } }, true],
    ['numeric only applies to numbers', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
    [
      'numeric on an array of objects, any element',
      { detail: { volumes: { size: [{ numeric: ['>', 50] }] } } },
      true,
    ],
    // exists
    ['exists true on a present field', { detail: { state: [{ exists: true }] } }, true],
    ['exists true on a null field (null is a value)', { detail: { nothing: [{ exists: true }] } }, true],
    ['exists true on an absent field', { detail: { color: [{ exists: true }] } }, false],
    ['exists false on an absent field', { detail: { color: [{ exists: false }] } }, true],
    ['exists false on a present field', { detail: { state: [{ exists: false }] } }, false],
    ['exists false under an absent parent', { missing: { color: [{ exists: false }] } }, true],
    ['exists only sees leaves: an object is not one', { detail: { nested: [{ exists: false }] } }, true],
    ['exists true on an object', { detail: { nested: [{ exists: true }] } }, false],
    ['exists true on an empty array', { detail: { none: [{ exists: true }] } }, false],
    ['exists false or a value: absent', { detail: { color: [{ exists: false }, 'red'] } }, true],
  ])('%s → %s', (_name, pattern, expected) => {
    expect(matchesEventPattern(pattern, EVENT)).toBe(expected);
  });

  it('matches an alarm entering ALARM with the watcher pattern, and not one leaving it', () => {
    const event = (value: string) => ({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { alarmName: 'errors', state: { value }, previousState: { value: 'OK' } },
    });
    expect(matchesEventPattern(ALARM_STATE_CHANGE_PATTERN, event('ALARM'))).toBe(true);
    expect(matchesEventPattern(ALARM_STATE_CHANGE_PATTERN, event('OK'))).toBe(false);
    expect(matchesEventPattern(ALARM_STATE_CHANGE_PATTERN, { ...event('ALARM'), source: 'aws.ec2' })).toBe(
      false,
    );
  });
});

describe('assertEventPattern', () => {
  it.each<[string, unknown, string]>([
    ['an operator the bus does not implement', { source: [{ wildcard: 'aws.*' }] }, 'source[0]'],
    ['cidr', { detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, 'detail.ip[0]'],
    ['$or', { $or: [{ source: ['a'] }, { source: ['b'] }] }, '$or'],
    ['an empty list of values', { source: [] }, 'source'],
    ['a bare value instead of a list', { source: 'aws.ec2' }, 'source'],
    ['numeric without a number', { detail: { n: [{ numeric: ['>', '5'] }] } }, 'detail.n[0]'],
    ['numeric with an unknown operator', { detail: { n: [{ numeric: ['!=', 5] }] } }, 'detail.n[0]'],
    [
      'anything-but mixing strings and numbers',
      { detail: { n: [{ 'anything-but': ['a', 1] }] } },
      'detail.n[0]',
    ],
    ['exists with a string', { detail: { n: [{ exists: 'yes' }] } }, 'detail.n[0]'],
    ['two operators in one matcher', { detail: { n: [{ prefix: 'a', suffix: 'b' }] } }, 'detail.n[0]'],
  ])('refuses %s, naming where', (_name, pattern, path) => {
    expect(() => assertEventPattern(pattern)).toThrow(EventPatternError);
    try {
      assertEventPattern(pattern);
    } catch (error) {
      expect((error as EventPatternError).path).toBe(path);
    }
  });

  it('accepts the alarm watcher pattern', () => {
    expect(() => assertEventPattern(ALARM_STATE_CHANGE_PATTERN)).not.toThrow();
  });

  it('refuses an unsupported operator while matching too, instead of never matching', () => {
    expect(() => matchesEventPattern({ source: [{ wildcard: 'aws.*' }] }, EVENT)).toThrow(/wildcard/);
  });
});
