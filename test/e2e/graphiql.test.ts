import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSameOriginOrInline, launchChromium } from '../helpers/browser.js';
import { startHarness } from '../helpers/harness.js';
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

describe('GraphiQL served by Ballast in headless Chromium', () => {
  it('loads with no request to another host and shows products for the default query', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!isSameOriginOrInline(request.url(), harness.url)) foreign.push(request.url());
    });
    await page.goto(`${harness.url}/graphql`, { waitUntil: 'networkidle' });
    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    await expect.poll(async () => response.innerText(), { timeout: 20_000 }).toContain('p-0001');
    const text = await response.innerText();
    expect(text).toContain('"inventory"');
    expect(text).toContain('"formatted"');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/graphiql.png' });
    expect(foreign).toEqual([]);
    await page.close();
  });
});
