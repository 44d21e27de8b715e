import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

/** Debian's Chromium, installed by .ci/run; the tests fail loudly rather than skip without it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (see .ci/run) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Without these, Chromium phones home at start and this machine's closed network refuses it.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** True for URLs served by `origin` or generated in the page itself (data:, blob:). */
export function isSameOriginOrInline(url: string, origin: string): boolean {
  return url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank';
}

/**
 * A real Ballast with demo upstreams and a headless Chromium, started before the file's tests and
 * closed after them; the page records every request that leaves the Ballast origin.
 */
export function useBrowserHarness(): { harness: () => Harness; openPage: (path: string, viewport?: { width: number; height: number }) => Promise<{ page: Page; foreign: string[] }> } {
  let harness: Harness | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    harness = await startHarness();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });
  return {
    harness: () => harness!,
    async openPage(path, viewport) {
      const page = await browser!.newPage(viewport ? { viewport } : {});
      const foreign: string[] = [];
      page.on('request', (request) => {
        if (!isSameOriginOrInline(request.url(), harness!.url)) foreign.push(request.url());
      });
      await page.goto(`${harness!.url}${path}`, { waitUntil: 'networkidle' });
      return { page, foreign };
    },
  };
}
