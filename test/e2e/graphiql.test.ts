import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useBrowserHarness } from '../helpers/browser.js';

const setup = useBrowserHarness();

describe('GraphiQL served by Ballast in headless Chromium', () => {
  it('loads with no request to another host and shows products for the default query', async () => {
    const { page, foreign } = await setup.openPage('/graphql');
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
