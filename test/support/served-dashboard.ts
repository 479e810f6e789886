import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { bootServe, type ServeProcess, stopServe } from './serve.js';

/** `breakwater serve` in a child process on its own data directory, and a Chromium page. */
export interface ServedDashboard {
  readonly serve: ServeProcess;
  readonly browser: Browser;
  readonly page: Page;
  readonly dataDir: string;
}

/**
 * Boots serve (playing `scenario` at `speed` virtual ms per wall ms) and Chromium side by side,
 * and opens a page of `viewport`. Whatever started is stopped again if the other fails.
 */
export async function serveDashboard(options: {
  readonly name: string;
  readonly scenario: string;
  readonly speed: number;
  readonly viewport: { readonly width: number; readonly height: number };
}): Promise<ServedDashboard> {
  const dataDir = mkdtempSync(join(tmpdir(), `breakwater-${options.name}-`));
  const [serve, browser] = await Promise.allSettled([
    bootServe({ dataDir, speed: options.speed, scenario: options.scenario }),
    launchChromium(),
  ]);
  if (serve.status === 'rejected' || browser.status === 'rejected') {
    await closeDashboard({
      dataDir,
      ...(serve.status === 'fulfilled' ? { serve: serve.value } : {}),
      ...(browser.status === 'fulfilled' ? { browser: browser.value } : {}),
    });
    throw serve.status === 'rejected' ? serve.reason : (browser as PromiseRejectedResult).reason;
  }
  const page = await browser.value.newPage({ viewport: options.viewport });
  return { serve: serve.value, browser: browser.value, page, dataDir };
}

/** Closes the browser, stops serve and removes its data directory: whichever of them exist. */
export async function closeDashboard(dashboard: Partial<ServedDashboard> | undefined): Promise<void> {
  await dashboard?.browser?.close();
  if (dashboard?.serve) await stopServe(dashboard.serve);
  if (dashboard?.dataDir) rmSync(dashboard.dataDir, { recursive: true, force: true });
}
