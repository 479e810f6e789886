import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which `npm test` installs before vitest starts (scripts/ensure-chromium.sh). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches headless Chromium for the browser tests. Installing it is not a test's business: the
 * test script prepares it (`npm run test:prepare`) before vitest starts, so a missing browser is
 * a clear failure here, not an apt-get inside a test hook.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run the tests with npm test (it prepares Chromium first), or run npm run test:prepare once`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No background connections: this machine's network is closed, and Chromium would try many.
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
