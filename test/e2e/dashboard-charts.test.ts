import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callServe, type ServeProcess } from '../support/serve.js';
import { closeDashboard, type ServedDashboard, serveDashboard } from '../support/served-dashboard.js';

/*
 * The deployment page's pictures in headless Chromium: `breakwater serve` (its own virtual clock)
 * runs payments-api with a manual block holding the world wave for a while; once it is lifted,
 * the candidate fails in us-west-2's one-box and everything rolls back. The page must draw the
 * wave timeline (planned and actual bars, the hold shaded) and, per target, the weight and the
 * alarm strips. Screenshots go to test-artifacts/.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts');
const SCENARIO = join(ROOT, 'examples/scenarios/bad-one-box-in-world.scenario.json');
const SPEED = 3600;

let dashboard: ServedDashboard | undefined;
let serve: ServeProcess | undefined;
let page: Page;

async function must<T>(method: string, path: string, body?: unknown): Promise<T> {
  const reply = await callServe<T>(serve!, method, path, body);
  if (reply.status >= 300)
    throw new Error(`${method} ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

async function waveStatus(deploymentId: string, wave: string): Promise<string> {
  const reply = await callServe<{ waves: { name: string; status: string }[] }>(
    serve!,
    'GET',
    `/deployments/${deploymentId}`,
  );
  return reply.status === 200
    ? (reply.body.waves.find((w) => w.name === wave)?.status ?? 'none')
    : 'not recorded';
}

describe('the deployment page’s pictures', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dashboard = await serveDashboard({
      name: 'charts',
      scenario: SCENARIO,
      speed: SPEED,
      viewport: { width: 1280, height: 900 },
    });
    ({ serve, page } = dashboard);
  }, 300_000);

  afterAll(async () => {
    await closeDashboard(dashboard);
  });

  it('draws planned and actual waves with the hold shaded, and each target’s weight and alarm states', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // GIVEN a block on the world wave, and a deployment of payments-api open on the page
    const blocker = await must<{ id: string }>('POST', '/blockers', {
      scope: { kind: 'wave', pipeline: 'payments-api', wave: 'world' },
      reason: 'launch-day freeze',
      author: 'ana',
    });
    const { deploymentId } = await must<{ deploymentId: string }>(
      'POST',
      '/pipelines/payments-api/deployments',
      {
        change: { id: 'v2-pictures', version: '2' },
        requestedBy: 'ana',
      },
    );
    await page.goto(`${serve!.dashboardUrl}#/deployments/${deploymentId}`);
    await page.locator('svg[data-chart="waves"]').waitFor();

    // WHEN the world wave has waited an hour or so (virtual), the block is lifted
    await expect
      .poll(() => waveStatus(deploymentId, 'world'), { timeout: 40_000, interval: 200 })
      .toBe('waiting');
    await page.locator('svg[data-chart="waves"] rect.hold[data-wave="world"]').waitFor();
    await page.waitForTimeout(1200);
    await page.locator('.pictures').screenshot({ path: join(ARTIFACTS, 'charts-1-world-held.png') });
    expect((await callServe(serve!, 'DELETE', `/blockers/${blocker.id}`)).status).toBe(204);

    // THEN once the world one-box fails and everything is rolled back, the pictures tell the story
    await page.locator('#deployment-status[data-status="rolled_back"]').waitFor({ timeout: 60_000 });
    const waves = page.locator('svg[data-chart="waves"]');
    await expect.poll(() => waves.locator('rect.actual').count()).toBe(3);
    expect(await waves.locator('rect.planned').count()).toBe(3);
    expect(await waves.locator('rect.hold[data-wave="world"]').count()).toBe(1);
    await expect(waves.locator('rect.hold title').first().textContent()).resolves.toMatch(
      /launch-day freeze/,
    );
    expect(await waves.locator('rect.actual[data-wave="world"]').getAttribute('data-status')).toBe(
      'rolled_back',
    );
    expect(await waves.locator('rect.actual[data-wave="canary"]').getAttribute('data-status')).toBe(
      'succeeded',
    );

    // ... us-west-2's weight went to the one-box's 10% and back to 0, while its one-box alarm fired
    const usw2 = page.locator('svg[data-chart="target"][data-target="usw2"]');
    await expect(usw2.locator('path.weight-line').getAttribute('data-weights')).resolves.toBe('0,10,0');
    const oneBoxStrip = usw2.locator('g.alarm-strip[data-alarm="payments-onebox-errors-usw2"]');
    expect(await oneBoxStrip.locator('rect.segment[data-state="ALARM"]').count()).toBeGreaterThanOrEqual(1);
    expect(await oneBoxStrip.locator('rect.segment[data-state="OK"]').count()).toBeGreaterThanOrEqual(1);
    // ... the canary went all the way and came back with the rollback; its alarms stayed OK
    const canary = page.locator('svg[data-chart="target"][data-target="use1-cell1"]');
    await expect(canary.locator('path.weight-line').getAttribute('data-weights')).resolves.toBe(
      '0,10,33,66,100,0',
    );
    expect(await canary.locator('rect.segment[data-state="ALARM"]').count()).toBe(0);
    // ... axes carry time labels, and the picture says in words what it shows
    expect(await waves.locator('text.tick').count()).toBeGreaterThanOrEqual(4);
    await expect(usw2.getAttribute('aria-label')).resolves.toMatch(
      /usw2: traffic on the new version 0% → 10% → 0%/,
    );

    await page.locator('.pictures').screenshot({ path: join(ARTIFACTS, 'charts-2-rolled-back.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'charts-3-page.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
