import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STEP_FUNCTIONS } from '../../../src/ports/step-catalog.js';

/*
 * functions/ holds only Lambda entry files: each builds its AWS dependencies and exports the
 * handler made by its factory in src/handlers/. Importing one builds nothing and reads no
 * environment; its first invocation checks the environment and names what is missing.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const ENTRIES = ['functions/steps', 'functions/api', 'functions/triggers'].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `${dir}/${name}`),
);

const VARIABLES = [
  'AWS_LAMBDA_FUNCTION_NAME',
  'TABLE_NAME',
  'HOME_ACCOUNT_ID',
  'DEPLOYMENT_STATE_MACHINE_ARN',
  'RELEASE_ROLLBACK_STATE_MACHINE_ARN',
  'GITHUB_WEBHOOK_SECRET',
  'GITHUB_WEBHOOK_SECRET_ARN',
];

const context = {
  functionName: 'breakwater-Entry',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:breakwater-Entry',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

type Handler = (event: unknown, context: Context) => Promise<unknown>;

async function handlerOf(entry: string): Promise<Handler> {
  const module = (await import(pathToFileURL(join(ROOT, entry)).href)) as { handler: Handler };
  return module.handler;
}

describe('Lambda entry files', () => {
  beforeEach(() => {
    for (const name of VARIABLES) vi.stubEnv(name, undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('are the catalog’s step entries plus the API and trigger entries', () => {
    expect(ENTRIES).toEqual(expect.arrayContaining(STEP_FUNCTIONS.map((step) => step.entry)));
    expect(ENTRIES).toEqual(
      expect.arrayContaining([
        'functions/api/router.ts',
        'functions/triggers/alarm-state.ts',
        'functions/triggers/codecommit.ts',
        'functions/triggers/github-webhook.ts',
      ]),
    );
    expect(ENTRIES).toHaveLength(STEP_FUNCTIONS.length + 4);
  });

  it('export a handler and build nothing when Lambda imports them without their environment', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'breakwater-Entry');
    for (const entry of ENTRIES) {
      await expect(handlerOf(entry), entry).resolves.toBeTypeOf('function');
    }
  });

  it('build each step with exactly the target-account ports its catalog entry names', async () => {
    for (const step of STEP_FUNCTIONS) {
      const module = (await import(pathToFileURL(join(ROOT, step.entry)).href)) as { ports: object };
      expect(Object.keys(module.ports).sort(), step.entry).toEqual([...step.ports].sort());
    }
  });

  it('fail a step’s first invocation naming the variables that are missing', async () => {
    const handler = await handlerOf('functions/steps/start-deployment.ts');

    const run = handler({ request: {}, executionName: 'd-1' }, context);

    await expect(run).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(run).rejects.toThrow(/Lambda environment[\s\S]*TABLE_NAME[\s\S]*HOME_ACCOUNT_ID/);
  });

  it('fail the API’s first invocation naming the variable that is missing', async () => {
    vi.stubEnv('TABLE_NAME', 'breakwater');
    const handler = await handlerOf('functions/api/router.ts');

    const run = handler({ httpMethod: 'GET', path: '/pipelines', headers: {} }, context);

    await expect(run).rejects.toThrow(/API Lambda environment[\s\S]*DEPLOYMENT_STATE_MACHINE_ARN/);
  });
});
