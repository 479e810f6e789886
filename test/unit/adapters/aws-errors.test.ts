import { CloudWatchServiceException } from '@aws-sdk/client-cloudwatch';
import {
  InvalidParameterValueException,
  PreconditionFailedException,
  ResourceConflictException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { isAwsError, translateAwsError, withAwsErrors } from '../../../src/adapters/aws/errors.js';
import {
  AliasConflictError,
  NotFoundError,
  ThrottledError,
  TransientError,
  UnsafeTargetStateError,
} from '../../../src/core/errors.js';

const context = { operation: 'UpdateAlias', resource: 'payments:live', region: 'us-east-1' };

function cloudWatchError(name: string, httpStatusCode: number, fault: 'client' | 'server' = 'client') {
  return new CloudWatchServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode },
    message: `${name} from CloudWatch`,
  });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`socket hang up (${code})`), { code });
}

describe('translateAwsError', () => {
  it.each([
    [
      'Lambda TooManyRequestsException',
      new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }),
    ],
    ['CloudWatch Throttling', cloudWatchError('Throttling', 400)],
    ['ThrottlingException', cloudWatchError('ThrottlingException', 400)],
    ['RequestLimitExceeded', cloudWatchError('RequestLimitExceeded', 400)],
    [
      'ProvisionedThroughputExceededException',
      cloudWatchError('ProvisionedThroughputExceededException', 400),
    ],
    [
      'an error the SDK marks as throttling',
      Object.assign(cloudWatchError('SlowDown', 400), { $retryable: { throttling: true } }),
    ],
  ])('turns %s into a ThrottledError that names the call', (_label, error) => {
    // Act
    const translated = translateAwsError(error, context);

    // Assess
    expect(translated).toBeInstanceOf(ThrottledError);
    expect((translated as ThrottledError).message).toMatch(
      /^UpdateAlias payments:live in us-east-1 was throttled/,
    );
    expect((translated as ThrottledError).cause).toBe(error);
    expect((translated as ThrottledError).retryable).toBe(true);
  });

  it.each([
    ['PreconditionFailedException (RevisionId changed)', PreconditionFailedException],
    ['ResourceConflictException (update in progress)', ResourceConflictException],
  ])('turns %s into an AliasConflictError', (_label, ErrorClass) => {
    // Prepare
    const error = new ErrorClass({ message: 'The RevisionId provided does not match', $metadata: {} });

    // Act
    const translated = translateAwsError(error, context);

    // Assess
    expect(translated).toBeInstanceOf(AliasConflictError);
    expect((translated as AliasConflictError).name).toBe('AliasConflictError');
    expect((translated as AliasConflictError).cause).toBe(error);
    expect((translated as AliasConflictError).message).toContain('UpdateAlias payments:live in us-east-1');
  });

  it.each([
    [
      'Lambda ResourceNotFoundException',
      new ResourceNotFoundException({ message: 'Alias not found', $metadata: {} }),
    ],
    ['CloudWatch ResourceNotFound', cloudWatchError('ResourceNotFound', 404)],
  ])('turns %s into a NotFoundError', (_label, error) => {
    // Act
    const translated = translateAwsError(error, context);

    // Assess
    expect(translated).toBeInstanceOf(NotFoundError);
    expect((translated as NotFoundError).cause).toBe(error);
    expect((translated as NotFoundError).retryable).toBe(false);
  });

  it.each([
    ['an HTTP 503', cloudWatchError('ServiceUnavailable', 503, 'server')],
    ['an HTTP 500 with an unknown name', cloudWatchError('SomethingBroke', 500, 'server')],
    [
      'Lambda ServiceException',
      new ServiceException({ message: 'internal', $metadata: { httpStatusCode: 500 } }),
    ],
    ['a reset connection', networkError('ECONNRESET')],
    [
      'a request timeout',
      Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' }),
    ],
  ])('turns %s into a TransientError', (_label, error) => {
    // Act
    const translated = translateAwsError(error, context);

    // Assess
    expect(translated).toBeInstanceOf(TransientError);
    expect((translated as TransientError).cause).toBe(error);
    expect((translated as TransientError).retryable).toBe(true);
  });

  it('quotes the HTTP status and the original error in the transient message', () => {
    // Prepare
    const error = cloudWatchError('ServiceUnavailable', 503, 'server');

    // Act
    const translated = translateAwsError(error, { ...context, account: '222222222222' }) as TransientError;

    // Assess
    expect(translated.message).toBe(
      'UpdateAlias payments:live in us-east-1 (account 222222222222) failed transiently with HTTP 503 ' +
        '(ServiceUnavailable: ServiceUnavailable from CloudWatch)',
    );
  });

  it.each([
    ['a validation error', new InvalidParameterValueException({ message: 'weight > 1', $metadata: {} })],
    ['access denied', cloudWatchError('AccessDeniedException', 403)],
    ['a plain bug', new TypeError('x is undefined')],
    ['a domain error', new UnsafeTargetStateError('alias routes to version 3')],
    ['a string', 'boom'],
  ])('passes %s through unchanged', (_label, error) => {
    // Act
    const translated = translateAwsError(error, context);

    // Assess
    expect(translated).toBe(error);
  });

  it('turns an error the SDK marks as a server fault into a TransientError, whatever its status', () => {
    // Prepare
    const error = Object.assign(new Error('the service failed'), { name: 'Unexpected', $fault: 'server' });

    // Act
    const translated = translateAwsError(error, context);

    // Assess
    expect(translated).toBeInstanceOf(TransientError);
  });

  it('leaves the names a call lists as untranslated as they are', () => {
    // Prepare
    const missingTable = cloudWatchError('ResourceNotFoundException', 400);

    // Act
    const kept = translateAwsError(missingTable, { ...context, untranslated: ['ResourceNotFoundException'] });
    const translated = translateAwsError(missingTable, context);

    // Assess
    expect(kept).toBe(missingTable);
    expect(translated).toBeInstanceOf(NotFoundError);
  });

  it('names no region when the call has none', () => {
    // Act
    const translated = translateAwsError(cloudWatchError('Throttling', 400), {
      operation: 'DynamoDB GetItem',
      resource: 'on table breakwater',
    }) as ThrottledError;

    // Assess
    expect(translated.message).toBe(
      'DynamoDB GetItem on table breakwater was throttled (Throttling: Throttling from CloudWatch)',
    );
  });
});

describe('isAwsError', () => {
  it('recognises an SDK error by name, and nothing else', () => {
    // Prepare
    const conflict = new ResourceConflictException({ message: 'in progress', $metadata: {} });

    // Act & Assess
    expect(isAwsError(conflict, 'ResourceConflictException')).toBe(true);
    expect(isAwsError(conflict, 'ConditionalCheckFailedException')).toBe(false);
    expect(isAwsError({ name: 'ResourceConflictException' }, 'ResourceConflictException')).toBe(false);
    expect(isAwsError('ResourceConflictException', 'ResourceConflictException')).toBe(false);
  });
});

describe('withAwsErrors', () => {
  it('returns the result of a call that succeeds', async () => {
    // Act
    const result = await withAwsErrors(context, async () => 42);

    // Assess
    expect(result).toBe(42);
  });

  it('rejects with the translated error of a call that fails', async () => {
    // Prepare
    const error = new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });

    // Act
    const result = withAwsErrors(context, async () => {
      throw error;
    });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ThrottledError);
    await expect(result).rejects.toMatchObject({ cause: error });
  });
});
