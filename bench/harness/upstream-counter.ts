/** Reads and resets the request counters of the demo services through their control endpoints. */
export class UpstreamCounter {
  readonly #urls: string[];

  constructor(urls: Record<string, string>) {
    this.#urls = Object.values(urls);
  }

  async reset(): Promise<void> {
    await Promise.all(this.#urls.map((url) => fetch(`${url}/__control/requests`, { method: 'DELETE' })));
  }

  /** Resolves once no upstream request arrived for 300 ms (at most 15 s). */
  async waitForQuiet(): Promise<void> {
    let last = await this.total();
    for (let waited = 0; waited < 15_000; waited += 300) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = await this.total();
      if (now === last) return;
      last = now;
    }
  }

  async total(): Promise<number> {
    const counts = await Promise.all(this.#urls.map(async (url) => ((await (await fetch(`${url}/__control/requests`)).json()) as { count: number }).count));
    return counts.reduce((sum, count) => sum + count, 0);
  }
}

/** Sets or clears faults on the demo services. */
export async function setFault(urls: Record<string, string>, source: string, fault: object | undefined): Promise<void> {
  const url = `${urls[source]}/__control/fault`;
  const response = fault
    ? await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) })
    : await fetch(url, { method: 'DELETE' });
  if (!response.ok) throw new Error(`could not set fault on ${source}: ${response.status} ${await response.text()}`);
}
