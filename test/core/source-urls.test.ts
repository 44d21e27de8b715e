import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { sourceBaseUrls, sourceUrlsOf, withSourceUrls } from '../../src/source-urls.js';

// One rule for a source's URL: configured, else the first stand-in (demo services, then on reload the running URL).
describe('withSourceUrls: the one place a source URL is resolved', () => {
  const configured = loadConfig({ INVENTORY_URL: 'http://inventory.internal:8080' });

  it('keeps a configured URL, fills the others from the first stand-in that has one, and leaves the validated config as it was', () => {
    const demo = { inventory: 'http://127.0.0.1:1001', pricing: 'http://127.0.0.1:1002' };
    const running = { pricing: 'http://127.0.0.1:2002', catalog: 'http://127.0.0.1:2003' };
    const resolved = withSourceUrls(configured, demo, running);
    expect(resolved.sources.inventory.url).toBe('http://inventory.internal:8080');
    expect(resolved.sources.pricing.url).toBe('http://127.0.0.1:1002');
    expect(resolved.sources.catalog.url).toBe('http://127.0.0.1:2003');
    expect(resolved.sources.reviews.url).toBeUndefined();
    expect(configured.sources.pricing.url).toBeUndefined();
    expect(resolved.sources.pricing.timeoutMs).toBe(configured.sources.pricing.timeoutMs);
  });

  it('on reload, the running URLs stand in for sources the new config leaves without one', () => {
    const running = withSourceUrls(configured, Object.fromEntries(ALL_SOURCE_NAMES.map((name, index) => [name, `http://127.0.0.1:${3000 + index}`])));
    const reloaded = withSourceUrls(loadConfig({}), undefined, sourceUrlsOf(running));
    expect(sourceUrlsOf(reloaded)).toEqual(sourceUrlsOf(running));
    expect(sourceBaseUrls(reloaded).inventory.href).toBe('http://inventory.internal:8080/');
  });

  it('a source with no URL at all is a config error that names its variable', () => {
    expect(() => sourceBaseUrls(configured)).toThrow(ConfigError);
    expect(() => sourceBaseUrls(withSourceUrls(configured, { pricing: 'http://127.0.0.1:1' }))).toThrow(/^no URL for catalog, .*: set CATALOG_URL, /);
  });
});
