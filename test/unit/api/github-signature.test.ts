import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { API_BINARY_MEDIA_TYPES, isBinaryMediaType } from '../../../src/api/binary-media-types.js';
import { isGithubSignatureValid, parseGithubWebhookBody } from '../../../src/api/github.js';

const SECRET = 'It is a secret to everybody';
const hmac = (body: Buffer | string) => createHmac('sha256', SECRET).update(body).digest('hex');

describe('isGithubSignatureValid', () => {
  // {"zen":"é"} with a Latin-1 é: not valid UTF-8.
  const latin1 = Buffer.from([0x7b, 0x22, 0x7a, 0x65, 0x6e, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]);

  it('accepts the HMAC of the exact bytes, in either hex case', () => {
    expect(isGithubSignatureValid(SECRET, latin1, `sha256=${hmac(latin1)}`)).toBe(true);
    expect(isGithubSignatureValid(SECRET, latin1, `sha256=${hmac(latin1).toUpperCase()}`)).toBe(true);
  });

  it('refuses the HMAC of the body decoded as UTF-8, which is not what GitHub signed', () => {
    expect(isGithubSignatureValid(SECRET, latin1, `sha256=${hmac(latin1.toString('utf8'))}`)).toBe(false);
  });

  it('refuses malformed signatures, other algorithms and an empty body without throwing', () => {
    const body = Buffer.from('{}');
    for (const signature of [
      '',
      'sha256=',
      `sha256=${hmac(body).slice(2)}`,
      `sha1=${hmac(body)}`,
      hmac(body),
    ]) {
      expect(isGithubSignatureValid(SECRET, body, signature)).toBe(false);
    }
    expect(isGithubSignatureValid(SECRET, Buffer.alloc(0), `sha256=${hmac('')}`)).toBe(false);
  });
});

describe('parseGithubWebhookBody', () => {
  it('reads JSON whatever the parameters of its content type', () => {
    expect(parseGithubWebhookBody('Application/JSON; charset=utf-8', Buffer.from('{"a":1}'))).toEqual({
      a: 1,
    });
  });

  it('reads the JSON of the payload field of a form', () => {
    const form = Buffer.from(new URLSearchParams({ payload: '{"a":"x&y"}' }).toString());

    expect(parseGithubWebhookBody('application/x-www-form-urlencoded', form)).toEqual({ a: 'x&y' });
  });
});

describe('isBinaryMediaType', () => {
  it.each([
    ['application/json', API_BINARY_MEDIA_TYPES, true],
    [undefined, API_BINARY_MEDIA_TYPES, true],
    ['application/json; charset=utf-8', ['application/json'], true],
    ['application/x-www-form-urlencoded', ['application/*'], true],
    ['text/plain', ['application/*'], false],
    [undefined, ['application/json'], false],
  ] as const)('%s with %j: %s', (contentType, types, binary) => {
    expect(isBinaryMediaType(contentType, types)).toBe(binary);
  });
});
