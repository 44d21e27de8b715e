import { Pool } from 'undici';

/** The largest legal page with prices and stock: more work than one process does within a 0.5 s deadline at 64 clients. */
export const HEAVY_QUERY = '{ products(first: 100) { nodes { id name description price { amount currency formatted } inventory { available status } } } }';

/** Breakers off: every request does the full work (an open breaker would make them cheap fallbacks). */
export const WORK_EVERY_TIME = Object.fromEntries(['catalog', 'pricing', 'inventory'].map((source) => [`BALLAST__sources__${source}__breaker__enabled`, 'false']));

export interface Answer {
  status: number;
  ms: number;
  retryAfter: string | undefined;
  body: string;
}

/**
 * `clients` keep-alive clients each sending HEAVY_QUERY again as soon as the last answer arrives,
 * for `loadMs`; with `rampMs`, client i starts i / clients of it later (load grows as it does in
 * production, instead of every client's first request arriving in the same instant).
 */
export async function closedLoop(url: string, clients: number, loadMs: number, rampMs = 0): Promise<Answer[]> {
  const pool = new Pool(url, { connections: clients, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const answers: Answer[] = [];
  const until = performance.now() + loadMs;
  const body = JSON.stringify({ query: HEAVY_QUERY });
  try {
    await Promise.all(
      Array.from({ length: clients }, async (_, index) => {
        if (rampMs > 0) await new Promise((resolve) => setTimeout(resolve, (index * rampMs) / clients));
        while (performance.now() < until) {
          const started = performance.now();
          const response = await pool.request({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
          const text = await response.body.text();
          const retryAfter = response.headers['retry-after'];
          answers.push({ status: response.statusCode, ms: performance.now() - started, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, body: text });
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return answers;
}

/**
 * closedLoop with `clients`, then twice and four times as many (at most `maxDoublings` doublings),
 * until `reached` says the overload under test happened: how many clients overload one process
 * depends on how fast the machine runs it, so a fixed count that overloads one runner leaves a
 * faster one with CPU to spare. Returns every answer of every step.
 */
export async function closedLoopUntil(url: string, clients: number, loadMs: number, maxDoublings: number, reached: (answers: Answer[]) => boolean | Promise<boolean>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let step = 0; step <= maxDoublings; step++) {
    answers.push(...(await closedLoop(url, clients * 2 ** step, loadMs)));
    if (await reached(answers)) break;
  }
  return answers;
}

/** Requests Ballast's histogram saw in all, and those done within `seconds` (a bucket bound). */
export async function handledWithin(url: string, seconds: number): Promise<{ total: number; within: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
  return {
    total: sum(/^ballast_graphql_request_duration_seconds_count\{[^}]*\} (\d+)$/gm),
    within: sum(new RegExp(`^ballast_graphql_request_duration_seconds_bucket\\{le="${seconds}",[^}]*\\} (\\d+)$`, 'gm')),
  };
}
