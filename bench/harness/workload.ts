import type { Scenario } from '../scenarios.js';
import type { Workload } from './load.js';
import { expectedCart, expectedPage, PAGE_SIZE, reportedDegradation, verifyDegradedPage, verifyExact } from './verify.js';
import { DEMO_PRODUCT_COUNT } from '../../src/demo/data.js';

const WALK_QUERY = 'query Walk($after: String) { products(first: 20, after: $after) { pageInfo { endCursor } } }';
/** Every page of the demo catalog, so requests under load ask for every product and price in turn. */
export const PAGES = DEMO_PRODUCT_COUNT / PAGE_SIZE;
/** The demo users with a cart (u-4's is empty): 3, 10, 1 and 5 lines. */
export const CART_USERS = ['u-1', 'u-2', 'u-3', 'u-5'];

/**
 * The `after` cursor of every page, walked page by page through the server itself: each server
 * issues its own cursors (Ballast signs them), so none can be made up by the harness.
 */
export async function walkCursors(url: string): Promise<Array<string | null>> {
  const cursors: Array<string | null> = [null];
  while (cursors.length < PAGES) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: WALK_QUERY, variables: { after: cursors.at(-1) } }), signal: AbortSignal.timeout(5_000) });
    const answer = (await response.json()) as { data?: { products?: { pageInfo?: { endCursor?: string | null } } } };
    const cursor = answer.data?.products?.pageInfo?.endCursor;
    if (!cursor) throw new Error(`cursor walk stopped at page ${cursors.length}: ${JSON.stringify(answer).slice(0, 300)}`);
    cursors.push(cursor);
  }
  return cursors;
}

/** The scenario's requests (every page, or every cart, in turn) and the check of their answers. */
export function workloadFor(scenario: Scenario, cursors: Array<string | null>): Workload {
  if (scenario.workload === 'carts') {
    const expected = CART_USERS.map((userId) => ({ cart: expectedCart(userId) }));
    return {
      bodies: CART_USERS.map((userId) => JSON.stringify({ query: scenario.query, variables: { userId } })),
      verify: rememberingExact((index, text) => verifyExact(text, expected[index]!)),
    };
  }
  const pages = cursors.map((_, page) => expectedPage(page));
  const degradation = scenario.degrades;
  return {
    bodies: cursors.map((after) => JSON.stringify({ query: scenario.query, variables: { after } })),
    verify: rememberingExact(degradation ? (index, text) => verifyDegradedPage(text, pages[index]!, degradation) : (index, text) => verifyExact(text, { products: { nodes: pages[index] } })),
    reported: (index, text) => reportedDegradation(text, pages[index]!),
  };
}

/**
 * `verify` with the last text it found exact for each request remembered: a byte-identical answer
 * gets the same verdict without being parsed and compared again (a verdict depends on the request
 * and the text alone). The check was a third of the load generator's CPU, on the core it shares
 * with the upstreams (bench/README.md § "Twelfth session"): without this the load core, not the
 * server, set the pace at Ballast's capacity.
 */
export function rememberingExact(verify: Workload['verify']): Workload['verify'] {
  const exactText = new Map<number, string>();
  return (index, text) => {
    if (exactText.get(index) === text) return 'exact';
    const verdict = verify(index, text);
    if (verdict === 'exact') exactText.set(index, text);
    return verdict;
  };
}
