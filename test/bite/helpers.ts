import type { Harness } from '../helpers/harness.js';

/** The value of one sample line of /metrics whose labels are exactly `labels`; undefined when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const present = line.slice(name.length + 1, line.indexOf('}')).split(',');
    if (present.length === wanted.length && wanted.every((label) => present.includes(label))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

export async function scrape(harness: Harness): Promise<string> {
  return (await fetch(`${harness.url}/metrics`)).text();
}

/** ballast_upstream_requests_total of one source and outcome, read from the running gateway. */
export async function upstreamCount(harness: Harness, source: string, outcome: string): Promise<number | undefined> {
  return metricValue(await scrape(harness), 'ballast_upstream_requests_total', { source, outcome });
}
