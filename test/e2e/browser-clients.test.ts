import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { launchChromium } from '../helpers/browser.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Apollo Client and urql in a real Chromium page, on an origin other than Ballast's, across CORS
 * and CSRF (docs/security.md). The page and both client libraries are served from loopback (the
 * libraries bundled here with esbuild, no CDN): one page origin is in `security.corsOrigins`, the
 * other is not.
 */

/** What the page calls: each client's query, answered as data or as the error the client saw. */
const PAGE_SCRIPT = `
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import { Client, fetchExchange } from '@urql/core';

async function apollo(url, query) {
  const client = new ApolloClient({ link: new HttpLink({ uri: url, credentials: 'include' }), cache: new InMemoryCache({ addTypename: false }) });
  try {
    const result = await client.query({ query: gql(query), fetchPolicy: 'network-only' });
    return { data: result.data };
  } catch (error) {
    return { error: String(error.message), networkError: Boolean(error.networkError) };
  }
}

async function urql(url, query) {
  const client = new Client({ url, exchanges: [fetchExchange], requestPolicy: 'network-only', preferGetMethod: false, fetchOptions: { credentials: 'include' } });
  const result = await client.query(query, {}).toPromise();
  if (result.error) return { error: result.error.message, networkError: Boolean(result.error.networkError) };
  return { data: result.data };
}

window.ballastClients = { apollo, urql };
`;

const PAGE_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>shop</title><script src="/clients.js"></script></head><body></body></html>';

type ClientName = 'apollo' | 'urql';
interface ClientAnswer {
  data?: unknown;
  error?: string;
  networkError?: boolean;
}

const data = createDemoData();
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const ID = 'p-0001';
const QUERY = `query ShopProduct { product(id: "${ID}") { id name price { amount currency formatted } inventory { available } } }`;

/** What the demo upstreams hold for the product, the oracle for every served value. */
function expectedProduct(): unknown {
  const amount = data.prices.get(ID)!;
  return { product: { id: ID, name: data.productsById.get(ID)!.name, price: { amount, currency: 'USD', formatted: usd.format(amount / 100) }, inventory: { available: data.stock.get(ID)! } } };
}

async function bundleClients(): Promise<string> {
  const result = await build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** A static shop page on its own loopback origin. */
async function startPageServer(script: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/clients.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    if (request.url === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE_HTML);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Every response the page's network saw from Ballast's /graphql, CORS preflights included (DevTools protocol). */
interface SeenResponse {
  method: string;
  status: number;
  headers: Record<string, string>;
}

async function recordGraphQLResponses(page: Page, graphqlUrl: string): Promise<SeenResponse[]> {
  const seen: SeenResponse[] = [];
  const methods = new Map<string, string>();
  const cdp: CDPSession = await page.context().newCDPSession(page);
  cdp.on('Network.requestWillBeSent', (event) => void methods.set(event.requestId, event.request.method));
  cdp.on('Network.responseReceived', (event) => {
    if (event.response.url !== graphqlUrl) return;
    const headers = Object.fromEntries(Object.entries(event.response.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
    seen.push({ method: event.type === 'Preflight' ? 'OPTIONS' : (methods.get(event.requestId) ?? '?'), status: event.response.status, headers });
  });
  await cdp.send('Network.enable');
  return seen;
}

let harness: Harness;
let browser: Browser;
let listed: { origin: string; server: Server };
let unlisted: { origin: string; server: Server };
let graphqlUrl: string;

beforeAll(async () => {
  const script = await bundleClients();
  listed = await startPageServer(script);
  unlisted = await startPageServer(script);
  harness = await startHarness({ mode: 'production', security: { corsOrigins: [listed.origin] } });
  graphqlUrl = `${harness.url}/graphql`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await harness?.close();
  for (const page of [listed, unlisted]) await new Promise<void>((resolve) => page?.server.close(() => resolve()));
});
// Request logs are cleared after every test, even a failing one, so counts never carry over.
afterEach(() => harness?.reset());

async function openShop(origin: string): Promise<{ page: Page; seen: SeenResponse[] }> {
  const page = await browser.newPage();
  const seen = await recordGraphQLResponses(page, graphqlUrl);
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  return { page, seen };
}

function runClient(page: Page, client: ClientName): Promise<ClientAnswer> {
  return page.evaluate(([name, url, query]) => (window as unknown as { ballastClients: Record<string, (u: string, q: string) => Promise<ClientAnswer>> }).ballastClients[name!]!(url!, query!), [client, graphqlUrl, QUERY]);
}

describe.each<ClientName>(['apollo', 'urql'])('%s in Chromium', (client) => {
  it('from a listed origin: the query answers with the values the upstreams hold, credentials allowed for that origin only', async () => {
    const { page, seen } = await openShop(listed.origin);
    expect(await runClient(page, client)).toEqual({ data: expectedProduct() });
    const post = seen.find((response) => response.method === 'POST');
    expect(post?.status).toBe(200);
    expect(post?.headers['access-control-allow-origin']).toBe(listed.origin);
    expect(post?.headers['access-control-allow-credentials']).toBe('true');
    expect(harness.service('pricing').requestCount).toBe(1);
    await page.close();
  });

  it('from an unlisted origin: the browser blocks the call (network error), Ballast sent no Access-Control-Allow-Origin, no upstream was called', async () => {
    const { page, seen } = await openShop(unlisted.origin);
    const answer = await runClient(page, client);
    expect(answer.data).toBeUndefined();
    expect(answer.networkError).toBe(true);
    expect(answer.error).toContain('Failed to fetch');
    // A JSON POST is preflighted: Ballast answered the preflight without CORS headers, so the POST never left the browser.
    // The DevTools event may land just after the page saw the failure.
    await expect.poll(() => seen.map((response) => response.method)).toEqual(['OPTIONS']);
    expect(Object.keys(seen[0]!.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    for (const source of ['catalog', 'pricing', 'inventory'] as const) expect(harness.service(source).requestCount).toBe(0);
    await page.close();
  });
});

/** A cross-site form posting to Ballast: a "simple" request, sent by the browser with no preflight. */
async function submitForm(page: Page, enctype: string, fields: Array<[string, string]>): Promise<{ status: number; body: string }> {
  const submitted = page.waitForResponse((response) => response.url() === graphqlUrl && response.request().method() === 'POST');
  await page.evaluate(([action, type, entries]) => {
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = action as string;
    form.enctype = type as string;
    for (const [name, value] of entries as Array<[string, string]>) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  }, [graphqlUrl, enctype, fields] as const);
  const response = await submitted;
  return { status: response.status(), body: await response.text() };
}

describe('CSRF: cross-site simple POSTs from a real page', () => {
  const OPERATION = JSON.stringify({ query: `{ product(id: "${ID}") { id price { amount } } }` });
  const REFUSED = JSON.stringify({ errors: [{ message: 'Required CSRF header(s) not present' }] });

  it('a multipart/form-data form is refused with 403 and reaches no upstream', async () => {
    const { page } = await openShop(unlisted.origin);
    const answer = await submitForm(page, 'multipart/form-data', [['operations', OPERATION], ['map', '{}']]);
    expect(answer).toEqual({ status: 403, body: REFUSED });
    for (const source of ['catalog', 'pricing'] as const) expect(harness.service(source).requestCount).toBe(0);
    await page.close();
  });

  it('a text/plain form smuggling a JSON body is refused with 403 and reaches no upstream; Ballast keeps serving', async () => {
    const { page } = await openShop(unlisted.origin);
    // text/plain encodes "name=value": a name ending inside a JSON string makes the body parse as JSON.
    const answer = await submitForm(page, 'text/plain', [[`${OPERATION.slice(0, -1)},"padding":"`, '"}']]);
    expect(answer).toEqual({ status: 403, body: REFUSED });
    for (const source of ['catalog', 'pricing'] as const) expect(harness.service(source).requestCount).toBe(0);
    await page.close();

    const { page: shop } = await openShop(listed.origin);
    expect(await runClient(shop, 'apollo')).toEqual({ data: expectedProduct() });
    await shop.close();
  });
});
