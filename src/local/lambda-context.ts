import type { Context } from 'aws-lambda';

/**
 * The Lambda context the embedded engine hands an in-process handler, as Lambda would give the
 * function of that name (Powertools' Logger reads it; nothing else depends on it).
 *
 * @example localLambdaContext('breakwater-api', { requestId: 'r-1', memoryMb: 512, timeoutMs: 29_000 })
 */
export function localLambdaContext(
  functionName: string,
  options: { readonly requestId?: string; readonly memoryMb?: number; readonly timeoutMs?: number } = {},
): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 256),
    awsRequestId: options.requestId ?? 'local',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => options.timeoutMs ?? 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
