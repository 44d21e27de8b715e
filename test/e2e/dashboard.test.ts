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
    expect(await page.locator('h2.samples-title').textContent()).toBe('Recent upstream failures');
    expect(await page.locator('#samples-empty').isVisible()).toBe(true);
    expect(await page.locator('#source-inventory button[data-fault="Clear"]').getAttribute('aria-pressed')).toBe('true');

    await page.locator('#source-inventory button[data-fault="500s"]').click();
    // The button that injected the fault shows it is on, and the fault is named, not dumped as JSON.
    await expect.poll(() => page.locator('#source-inventory button[data-fault="500s"]').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#source-inventory button[data-fault="Clear"]').getAttribute('aria-pressed')).toBe('false');
    expect(await page.locator('#source-inventory .active-fault').textContent()).toBe('Injected fault: 500s');
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
      expect(await page.locator('#samples-empty').isVisible()).toBe(false);
    } finally {
      traffic = false;
      await load;
    }
    expect(await page.locator('#source-catalog').getAttribute('data-state')).toBe('CLOSED');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard-inventory-open.png', fullPage: true });

    await page.locator('#source-inventory button[data-fault="Clear"]').click();
    await expect.poll(() => harness.service('inventory').faults.current).toEqual({});
    await expect.poll(() => page.locator('#source-inventory button[data-fault="500s"]').getAttribute('aria-pressed')).toBe('false');
    expect(await page.locator('#source-inventory .active-fault').textContent()).toBe('');
    expect(foreign).toEqual([]);
    await page.close();
  });
});
