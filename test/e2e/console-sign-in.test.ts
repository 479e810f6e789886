import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStore } from '../../src/adapters/aws/dynamodb-store.js';
import { resolvePipeline } from '../../src/core/pipeline.js';
import { createApiHandler } from '../../src/handlers/api.js';
import { type LocalDynamo, startLocalDynamo } from '../../src/local/dynamo.js';
import { createLocalServer } from '../../src/local/server.js';
import {
  manualClock,
  pipelineDocument,
  RecordingStarter,
  recordingLog,
  sequentialIds,
} from '../integration/api/support.js';
import { launchChromium } from '../support/chromium.js';

/*
 * The hosted console's sign-in in headless Chromium: the local server serves the dashboard with
 * a config.json naming a stand-in Cognito (this file's Hosted UI: /oauth2/authorize, /oauth2/token
 * with PKCE, /logout) and accepts the ID tokens it issued as API Gateway's Cognito authorizer
 * would, passing their claims to the real API handler.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT_ID = 'console-client-1';
const PIPELINE = 'checkout';
const ANA = { email: 'ana@example.com', 'cognito:username': 'ana' };

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** What the stand-in Hosted UI saw. */
const seen = { authorize: [] as URLSearchParams[], exchanges: 0, refused: [] as string[], logouts: 0 };
const pendingCodes = new Map<string, { challenge: string; redirectUri: string }>();
const issued = new Map<string, Record<string, string>>();

/**
 * The Hosted UI, signed in as Ana: authorize answers with a code at once (the real one shows its
 * sign-in page first); the token endpoint gives an ID token only for the verifier whose S256
 * challenge came with that code, to the same redirect URI, once.
 */
function fakeCognito(dashboard: () => string): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cognito.test');
    const refuse = (error: string) => {
      seen.refused.push(error);
      res.writeHead(400, { 'content-type': 'application/json', 'access-control-allow-origin': dashboard() });
      res.end(JSON.stringify({ error }));
    };
    if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
      const q = url.searchParams;
      seen.authorize.push(q);
      if (q.get('response_type') !== 'code' || q.get('client_id') !== CLIENT_ID)
        return refuse('unauthorized_client');
      if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge'))
        return refuse('invalid_request');
      if (q.get('redirect_uri') !== `${dashboard()}/`) return refuse('redirect_mismatch');
      const code = randomBytes(16).toString('hex');
      pendingCodes.set(code, { challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/oauth2/token') {
      let text = '';
      req.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      req.on('end', () => {
        const form = new URLSearchParams(text);
        const pending = pendingCodes.get(form.get('code') ?? '');
        pendingCodes.delete(form.get('code') ?? '');
        if (
          form.get('grant_type') !== 'authorization_code' ||
          form.get('client_id') !== CLIENT_ID ||
          !pending
        ) {
          return refuse('invalid_grant');
        }
        const challenge = base64url(
          createHash('sha256')
            .update(form.get('code_verifier') ?? '')
            .digest(),
        );
        if (challenge !== pending.challenge || form.get('redirect_uri') !== pending.redirectUri) {
          return refuse('invalid_grant');
        }
        seen.exchanges += 1;
        const claims = { ...ANA, token_use: 'id', aud: CLIENT_ID };
        const payload = { ...claims, exp: Math.floor(Date.now() / 1000) + 3600 };
        const idToken = [
          base64url('{"alg":"RS256"}'),
          base64url(JSON.stringify(payload)),
          base64url(randomBytes(8)),
        ].join('.');
        issued.set(idToken, claims);
        res.writeHead(200, {
          'content-type': 'application/json',
          'access-control-allow-origin': dashboard(),
        });
        res.end(
          JSON.stringify({
            id_token: idToken,
            access_token: 'unused',
            token_type: 'Bearer',
            expires_in: 3600,
          }),
        );
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/logout') {
      seen.logouts += 1;
      res.writeHead(302, { location: url.searchParams.get('logout_uri') ?? '/' });
      res.end();
      return;
    }
    res.writeHead(404).end();
  });
}

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );

let local: LocalDynamo;
let server: Server;
let cognito: Server;
let base = '';
let browser: Browser;
let page: Page;
const starter = new RecordingStarter();
const pageErrors: string[] = [];

describe('the hosted console sign-in', () => {
  beforeAll(async () => {
    const clock = manualClock();
    local = await startLocalDynamo();
    const store = new DynamoDeploymentStore({
      client: local.documentClient,
      tableName: local.tableName,
      clock,
    });
    await store.putPipeline(
      resolvePipeline(pipelineDocument(PIPELINE, { expedite: { bakeFraction: 0.25, minBake: '5m' } })),
      'test',
    );
    cognito = fakeCognito(() => base);
    const cognitoUrl = await listen(cognito);
    server = createLocalServer({
      api: createApiHandler({
        store,
        starter,
        clock,
        log: recordingLog(),
        newId: sequentialIds('signin'),
      }) as never,
      token: 'local-token-not-used-here',
      webDir: join(ROOT, 'web'),
      clock,
      identify: (bearer) => issued.get(bearer),
      consoleConfig: { cognito: { domain: cognitoUrl, clientId: CLIENT_ID, region: 'eu-west-1' } },
    });
    base = await listen(server);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await new Promise((resolve) => cognito?.close(resolve));
    await local?.close();
  });

  it('sends the visitor through the Hosted UI with PKCE and comes back signed in, the code gone from the address', async () => {
    // WHEN someone opens the dashboard without a token
    await page.goto(`${base}/`);

    // THEN they went to the Hosted UI with an S256 challenge and came back signed in as Ana
    await expect.poll(() => page.locator('#signed-in-name').textContent()).toBe('ana@example.com');
    expect(seen.authorize).toHaveLength(1);
    expect(seen.authorize[0]!.get('scope')).toBe('openid email');
    expect(seen.exchanges).toBe(1);
    expect(seen.refused).toEqual([]);
    expect(new URL(page.url()).search).toBe('');
    // AND the actor field is Ana's, not editable, and the pipelines load through the ID token
    await expect(page.locator('#person').inputValue()).resolves.toBe('ana@example.com');
    expect(await page.locator('#person').getAttribute('readonly')).not.toBeNull();
    await page.getByRole('listitem').filter({ hasText: PIPELINE }).first().waitFor();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('records the signed-in person on a blocker added from the page', async () => {
    await page.locator('summary', { hasText: 'Add a blocker' }).click();
    await page.getByLabel('Holds').selectOption('global');
    await page.getByLabel('Reason', { exact: true }).fill('game day');
    await page.getByRole('button', { name: 'Add blocker' }).click();

    await page.locator('#blockers li', { hasText: 'game day' }).waitFor();
    const idToken = (await page.evaluate("sessionStorage.getItem('breakwater.idToken')")) as string;
    const blockers = (await (
      await fetch(`${base}/blockers`, { headers: { authorization: `Bearer ${idToken}` } })
    ).json()) as { items: unknown[] };
    expect(blockers.items).toEqual([
      expect.objectContaining({ author: 'ana@example.com', reason: 'game day' }),
    ]);
  }, 60_000);

  it('requests an expedite with the start of a deployment', async () => {
    await page.getByLabel('Pipeline', { exact: true }).selectOption(PIPELINE);
    await page.getByLabel('Change id').fill('hotfix-1');
    await page.getByLabel('Version').fill('9');
    await page.getByLabel('Expedite', { exact: true }).check();
    await page.getByLabel('Expedite reason').fill('sev2: checkout errors');
    await page.getByRole('button', { name: 'Start deployment' }).click();

    await expect.poll(() => starter.started.length).toBe(1);
    expect(starter.started[0]).toMatchObject({
      pipeline: PIPELINE,
      change: { id: 'hotfix-1', version: '9' },
      requestedBy: 'ana@example.com',
      expedite: { reason: 'sev2: checkout errors' },
    });
  }, 60_000);

  it('signs out: forgets the token, ends the Hosted UI session, and asks to sign in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();

    await expect.poll(() => seen.logouts).toBe(1);
    // Back on the page without a token, it goes through the Hosted UI again.
    await expect.poll(() => seen.authorize.length).toBe(2);
    await expect.poll(() => page.locator('#signed-in-name').textContent()).toBe('ana@example.com');
    expect(seen.exchanges).toBe(2);
  }, 60_000);
});
