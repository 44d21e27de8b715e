import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useBrowserHarness } from '../helpers/browser.js';
import { sleep } from '../helpers/harness.js';

const setup = useBrowserHarness();

describe('the resilience dashboard in headless Chromium', () => {
  it('lists every source, breaks inventory through its own button, and shows the breaker OPEN', async () => {
    const harness = setup.harness();
    const { page, foreign } = await setup.openPage('/dashboard', { width: 1400, height: 900 });
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
