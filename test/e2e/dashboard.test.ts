import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callServe, expireADeployment, type ServeProcess } from '../support/serve.js';
import { closeDashboard, type ServedDashboard, serveDashboard } from '../support/served-dashboard.js';

/*
 * The console end to end: `breakwater serve` in a child process (its own virtual clock), the
 * dashboard in headless Chromium. A deployment started from the page goes through canary and
 * europe; in the world wave the candidate fails in us-west-2's one-box and everything rolls back.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts');
const SCENARIO = join(ROOT, 'examples/scenarios/bad-one-box-in-world.scenario.json');
/** Virtual ms per wall ms: the 6-hour story takes a few seconds, slow enough to watch each wave. */
const SPEED = 3600;

let dashboard: ServedDashboard | undefined;
let serve: ServeProcess | undefined;
let page: Page;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}

describe('the dashboard', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dashboard = await serveDashboard({
      name: 'dashboard',
      scenario: SCENARIO,
      speed: SPEED,
      viewport: { width: 1280, height: 800 },
    });
    ({ serve, page } = dashboard);
  }, 300_000);

  afterAll(async () => {
    await closeDashboard(dashboard);
  });

  it('starts a deployment, shows it wave by wave, and shows the rollback when the world one-box fails', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // GIVEN the dashboard opened with the token printed by serve
    await page.goto(serve!.dashboardUrl);
    await expect.poll(() => new URL(page.url()).searchParams.get('token')).toBeNull();
    await page.getByRole('listitem').filter({ hasText: 'payments-api' }).first().waitFor();

    // WHEN someone starts a deployment from the form
    await page.getByLabel('Acting as').fill('ana');
    await page.getByLabel('Pipeline', { exact: true }).selectOption('payments-api');
    await page.getByLabel('Change id').fill('v2-checkout');
    await page.getByLabel('Version').fill('2');
    await page.getByRole('button', { name: 'Start deployment' }).click();

    // THEN the picture appears: waves as columns, targets as rows
    await page.locator('#deployment-status').waitFor();
    await expect.poll(() => page.locator('table.grid thead th[data-wave]').count()).toBe(3);
    await expect.poll(() => page.locator('table.grid tbody tr').count()).toBe(6);
    await page.locator('th[data-wave="canary"]:not([data-status="pending"])').waitFor();
    await shot('1-canary');

    // ... and it moves on to a later wave
    // (at 3600x the wave is in flight for ~2 wall seconds, so wait for "started", not a phase)
    await page.locator('th[data-wave="europe"]:not([data-status="pending"])').waitFor({ timeout: 30_000 });
    await shot('2-europe');
    expect(await page.locator('th[data-wave="canary"]').getAttribute('data-status')).toBe('succeeded');

    // ... and when the world wave's one-box fails, the rollback shows
    await page.locator('#rollback').waitFor({ timeout: 40_000 });
    await page.locator('#deployment-status[data-status="rolled_back"]').waitFor({ timeout: 30_000 });
    await page.locator('tr[data-target="usw2"] td[data-status="rolled_back"]').waitFor();
    await shot('3-rolled-back');
    await expect(page.locator('#rollback').textContent()).resolves.toMatch(/alarm|one-box/i);
    await expect(page.locator('#events').textContent()).resolves.toMatch(/rolled back/);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('adds and removes a blocker from the page', async () => {
    await page.locator('summary', { hasText: 'Add a blocker' }).click();
    await page.getByLabel('Holds').selectOption('wave');
    await page.getByLabel('Pipeline name').fill('payments-api');
    await page.getByLabel('Wave or target').fill('world');
    await page.getByLabel('Reason', { exact: true }).fill('holiday freeze');
    await page.getByRole('button', { name: 'Add blocker' }).click();
    const blocker = page.locator('#blockers li.blocker', { hasText: 'holiday freeze' });
    await blocker.waitFor();
    await shot('4-blocker');
    await blocker.getByRole('button', { name: /Remove blocker/ }).click();
    await blocker.waitFor({ state: 'detached' });
  }, 30_000);

  it('vetoes the change of a deployment from its page, shows the veto, and lifts it', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // GIVEN the page of a deployment of payments-api, opened from its pipeline's list
    await page.goto(serve!.dashboardUrl);
    await page.getByLabel('Acting as').fill('ana');
    const started = await callServe<{ deploymentId: string }>(
      serve!,
      'POST',
      '/pipelines/payments-api/deployments',
      {
        change: { id: 'c-veto-dashboard', version: '2' },
        requestedBy: 'ana',
      },
    );
    expect(started.status).toBe(202);
    await page
      .getByRole('list', { name: 'Deployments of payments-api' })
      .getByRole('link', { name: /c-veto-dashboard/ })
      .click({ timeout: 15_000 });
    await page.locator('#deployment-title', { hasText: 'c-veto-dashboard' }).waitFor();

    // WHEN someone vetoes the change from the page
    await page.getByLabel('Veto reason').fill('corrupts carts');
    await page.getByRole('button', { name: 'Veto this change' }).click();

    // THEN the page shows who vetoed it and why, and offers to lift it
    await page.locator('#veto:not(.lifted)').waitFor({ timeout: 15_000 });
    await expect(page.locator('#veto').innerText()).resolves.toMatch(
      /Change vetoed: by ana, .*: corrupts carts/,
    );
    await shot('6-vetoed');
    await page.getByLabel('Why lift the veto').fill('another bug');
    await page.getByRole('button', { name: 'Lift veto' }).click();
    await page.locator('#veto.lifted').waitFor({ timeout: 15_000 });
    await expect(page.locator('#veto').innerText()).resolves.toMatch(/lifted by ana, .*: another bug/);
    await expect(page.locator('#events').innerText()).resolves.toMatch(/was lifted by ana: another bug/);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('shows a deployment that gave up after maxHold as expired, with what held it', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // GIVEN a deployment held by a blocker until it passed its pipeline's maxHold (1h)
    const { deploymentId, blockerId } = await expireADeployment(serve!, {
      changeId: 'c-held-dashboard',
      reason: 'quarter-end freeze',
    });

    // WHEN someone finds it in its pipeline's list and opens it
    const link = page
      .getByRole('list', { name: 'Deployments of held-api' })
      .getByRole('link', { name: /c-held-dashboard/ });
    await link.locator('[data-status="expired"]').waitFor({ timeout: 15_000 });
    await expect(link.textContent()).resolves.toContain('expired (held too long)');
    await link.click();

    // THEN the badge says expired, and the page says what held it for longer than maxHold
    await page.locator('#deployment-status[data-status="expired"]').waitFor();
    await expect(page.locator('#deployment-status').innerText()).resolves.toBe('expired (held too long)');
    expect(new URL(page.url()).hash).toBe(`#/deployments/${deploymentId}`);
    await page.locator('#rollback').waitFor();
    await expect(page.locator('#rollback').innerText()).resolves.toMatch(
      /held for 1h\S*, longer than maxHold \(1h\): wave canary waits: .*quarter-end freeze/,
    );
    await expect(page.locator('#events').innerText()).resolves.toMatch(/deployment expired: held for 1h/);
    await shot('5-expired');
    expect(pageErrors).toEqual([]);
    expect((await callServe(serve!, 'DELETE', `/blockers/${blockerId}`)).status).toBe(204);
  }, 60_000);

  it('rolls back a release that had succeeded from its page, and says who asked and why', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // GIVEN a release that succeeded (payments-api's canary alias, short bakes)
    const deploymentId = await releaseSucceeded(serve!);
    await page.goto(`${serve!.url}/#/deployments/${deploymentId}`);
    await page.locator('#deployment-status[data-status="succeeded"]').waitFor({ timeout: 15_000 });

    // WHEN someone asks to roll it back from the page
    await page.getByLabel('Rollback reason').fill('checkout errors since the release');
    await page.getByRole('button', { name: 'Roll back this release' }).click();

    // THEN it rolls back, and the page says who asked and why
    await page.locator('#deployment-status[data-status="rolled_back"]').waitFor({ timeout: 20_000 });
    await expect(page.locator('#release-rollback').innerText()).resolves.toMatch(
      /Release rollback \(all at once\) asked by .*: checkout errors since the release/,
    );
    await expect(page.locator('#events').innerText()).resolves.toMatch(
      /release rolled back: 1 target\(s\) back/,
    );
    await expect(page.getByRole('button', { name: 'Roll back this release' }).count()).resolves.toBe(0);
    await shot('7-release-rolled-back');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

/** Registers a one-target pipeline on payments-api's canary alias and deploys v2 until it succeeds. */
async function releaseSucceeded(s: ServeProcess): Promise<string> {
  const target = {
    id: 'use1-cell1',
    account: '111111111111',
    region: 'us-east-1',
    cell: 'cell-1',
    functionName: 'payments-api-cell-1',
    alias: 'live',
  };
  const put = await callServe(s, 'PUT', '/pipelines/release-api', {
    name: 'release-api',
    defaults: {
      oneBox: { weight: 10, bake: { duration: '5m', minDataPoints: 10 } },
      rolling: { weights: [100], healthCheck: '1m' },
      bake: { duration: '10m', minDataPoints: 10 },
      alarms: { rollback: ['payments-errors-{target.region}'] },
    },
    waves: [{ name: 'canary', targets: [target] }],
  });
  expect([200, 201]).toContain(put.status);
  const started = await callServe<{ deploymentId: string }>(s, 'POST', '/pipelines/release-api/deployments', {
    change: { id: 'c-release', version: '2' },
    requestedBy: 'ana',
  });
  expect(started.status).toBe(202);
  const id = started.body.deploymentId;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const reply = await callServe<{ deployment: { status: string } }>(s, 'GET', `/deployments/${id}`);
    const status = reply.status === 200 ? reply.body.deployment.status : 'not recorded yet';
    if (status === 'succeeded') return id;
    if (!['running', 'not recorded yet'].includes(status)) throw new Error(`the release ended ${status}`);
    if (Date.now() > deadline) throw new Error(`the release is still ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
