import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSameOriginOrInline, launchChromium } from '../helpers/browser.js';
import { sleep, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let harness: Harness;
let browser: Browser;
beforeAll(async () => {
  harness = await startHarness();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

describe('the resilience dashboard in headless Chromium', () => {
  it('lists every source, breaks inventory through its own button, and shows the breaker OPEN', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!isSameOriginOrInline(request.url(), harness.url)) foreign.push(request.url());
    });
    await page.goto(`${harness.url}/dashboard`);
    for (const source of ['catalog', 'inventory', 'pricing', 'cart', 'favorites', 'reviews']) {
      await expect.poll(() => page.locator(`#source-${source}`).count(), { timeout: 10_000 }).toBe(1);
    }
    await expect.poll(() => page.locator('#source-inventory').getAttribute('data-state')).toBe('CLOSED');

    await page.locator('#source-inventory button[data-fault="500s"]').click();
    let traffic = true;
    const load = (async () => {
      while (traffic) {
        await harness.query(`{ products(first: 5) { nodes { id inventory { status } } } }`);
        await sleep(50);
      }
    })();
    try {
      await expect.poll(() => page.locator('#source-inventory').getAttribute('data-state'), { timeout: 8_000, interval: 250 }).toBe('OPEN');
      await expect.poll(() => page.locator('#samples tr').count(), { timeout: 5_000 }).toBeGreaterThan(0);
    } finally {
      traffic = false;
      await load;
    }
    expect(await page.locator('#source-catalog').getAttribute('data-state')).toBe('CLOSED');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard-inventory-open.png', fullPage: true });

    await page.locator('#source-inventory button[data-fault="Clear"]').click();
    await expect.poll(() => harness.service('inventory').faults.current).toEqual({});
    expect(foreign).toEqual([]);
    await page.close();
  });
});
