import { describe, expect, it } from 'vitest';
import { isHttpUrl } from '../../src/http/http-url.js';

// The URL check every source URL passes (config file, *_URL variables, policies), exactly:
// each case kills a mutant of src/http/http-url.ts (docs/testing.md, "Scores measured").
describe('isHttpUrl', () => {
  it('accepts absolute http and https URLs, IPv6 hosts included', () => {
    expect(isHttpUrl('http://127.0.0.1:4001')).toBe(true);
    expect(isHttpUrl('https://pricing.internal/v1')).toBe(true);
    expect(isHttpUrl('http://[::1]:80')).toBe(true);
  });
  it('refuses other schemes, even with a host', () => {
    expect(isHttpUrl('ftp://catalog.internal')).toBe(false);
    expect(isHttpUrl('ws://catalog.internal')).toBe(false);
    expect(isHttpUrl('file:///etc/passwd')).toBe(false);
  });
  it('answers false, not an exception or undefined, for what is not a URL', () => {
    expect(isHttpUrl('catalog.internal')).toBe(false);
    expect(isHttpUrl('http://')).toBe(false);
    expect(isHttpUrl('')).toBe(false);
  });
});
