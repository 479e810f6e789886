import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
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
import { EXPECTED, HISTORY, METRICS_PIPELINE, NOW, PERIOD } from '../support/metrics-history.js';

/*
 * The metrics page end to end: the local server (the API handler and the dashboard's files) over
 * a local DynamoDB seeded with the week of test/support/metrics-history.ts, the page in headless
 * Chromium. The charts must show what was worked out by hand.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts');
const TOKEN = 'metrics-page-token';

let local: LocalDynamo;
let server: Server;
let base: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const texts = (selector: string) => page.locator(selector).allTextContents();

describe('the metrics page', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const clock = manualClock(NOW);
    local = await startLocalDynamo();
    const store = new DynamoDeploymentStore({
      client: local.documentClient,
      tableName: local.tableName,
      clock,
    });
    await store.putPipeline(resolvePipeline(pipelineDocument(METRICS_PIPELINE)), 'test');
    for (const d of HISTORY) await store.createDeployment(d);
    const api = createApiHandler({
      store,
      starter: new RecordingStarter(),
      clock,
      log: recordingLog(),
      newId: sequentialIds('page'),
    });
    server = createLocalServer({ api: api as never, token: TOKEN, webDir: join(ROOT, 'web'), clock });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await local?.close();
  });

  it("opens from the pipeline's Metrics link on the last 30 days, one column per day", async () => {
    await page.goto(`${base}/?token=${TOKEN}`);
    await page.getByRole('link', { name: `Metrics of ${METRICS_PIPELINE}` }).click();

    await page.locator('figure[data-chart="frequency"] svg').waitFor();
    expect(page.url()).toMatch(new RegExp(`#/pipelines/${METRICS_PIPELINE}/metrics$`));
    await expect(page.locator('#metrics-title').textContent()).resolves.toBe(
      `Delivery metrics · ${METRICS_PIPELINE}`,
    );
    expect(await page.locator('figure[data-chart="frequency"] g.bucket').count()).toBe(31);
    // The deployment and timeline panels make way for the page.
    expect(await page.locator('#deployment').isHidden()).toBe(true);
  }, 60_000);

  it('charts the seeded week as worked out by hand', async () => {
    await page.goto(`${base}/#/pipelines/${METRICS_PIPELINE}/metrics?from=${PERIOD.from}&to=${PERIOD.to}`);
    const frequency = page.locator('figure[data-chart="frequency"]');
    await expect.poll(() => frequency.locator('g.bucket').count()).toBe(7);

    // Deployments per day: seven days, each column stacked by outcome.
    expect(await texts('figure[data-chart="frequency"] text.label')).toEqual([
      '11-02',
      '11-03',
      '11-04',
      '11-05',
      '11-06',
      '11-07',
      '11-08',
    ]);
    const bars = async (outcome: string) => frequency.locator(`rect[data-outcome="${outcome}"]`).count();
    expect([
      await bars('succeeded'),
      await bars('failed'),
      await bars('inProgress'),
      await bars('notJudged'),
    ]).toEqual([3, 4, 1, 2]);
    expect(
      await frequency
        .locator('g.bucket')
        .evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-total')))),
    ).toEqual(EXPECTED.series.map((p) => p.succeeded + p.failed + p.inProgress + p.notJudged));

    // The figures.
    await expect(page.locator('[data-figure="failure-rate"] dd').textContent()).resolves.toMatch(
      /^57\.1% 4 of 7 judged$/,
    );
    await expect(page.locator('[data-figure="lead-time"] dd').textContent()).resolves.toMatch(
      /^median 2h30 p90 3h · 3 changes$/,
    );

    // Lead time per succeeded change, restore times per failure, held time per blocker kind.
    expect(await texts('figure[data-chart="lead-time"] text.label')).toEqual([
      'change-A',
      'change-C',
      'change-E',
    ]);
    expect(await texts('figure[data-chart="lead-time"] text.value')).toEqual(['2h30', '3h', '2h']);
    expect(await texts('figure[data-chart="restore-traffic"] text.value')).toEqual(['1m', '2m', '1m']);
    expect(await texts('figure[data-chart="restore-release"] text.label')).toEqual([
      'metrics-B',
      'metrics-D',
      'metrics-L',
      'metrics-G',
    ]);
    expect(await texts('figure[data-chart="held"] text.label')).toEqual([
      'window',
      'alarm',
      'manual',
      'pipelining',
    ]);
    expect(await texts('figure[data-chart="held"] text.value')).toEqual(['1h15', '1h05', '1h', '20m']);
    // The failure rate per day: a column on each day that judged a change (all but Nov 8), the overall rate as a line.
    expect(await page.locator('figure[data-chart="failure-rate"] rect').count()).toBe(6);
    await expect(
      page.locator('figure[data-chart="failure-rate"] line.overall').getAttribute('data-rate'),
    ).resolves.toBe(String(EXPECTED.changeFailureRate.rate));

    await page.screenshot({ path: join(ARTIFACTS, 'metrics-page.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
