import type { DemoSourceName as SourceName } from './routes.js';
import type { DemoData } from './data.js';
import type { DemoAnswer } from './route.js';

/** A write as a demo service receives it: method, URL and the parsed JSON body (undefined if none or not JSON). */
export type DemoWriteRoute = (method: string, url: URL, body: unknown, data: DemoData) => DemoAnswer;

/** Largest quantity one cart line may hold in the demo (the gateway's own limit is lower). */
const MAX_LINE_QUANTITY = 1_000_000;

const notFound: DemoAnswer = { status: 404, body: { error: 'not found' } };

function badRequest(error: string): DemoAnswer {
  return { status: 400, body: { error } };
}

function quantityOf(body: unknown): number | undefined {
  const quantity = (body as { quantity?: unknown } | undefined)?.quantity;
  return Number.isInteger(quantity) && (quantity as number) >= 1 && (quantity as number) <= MAX_LINE_QUANTITY ? (quantity as number) : undefined;
}

function cartAnswer(userId: string, data: DemoData): DemoAnswer {
  return { status: 200, body: { userId, items: data.carts.get(userId) ?? [] } };
}

/** Sets a line's quantity (0 removes it), creating the cart if needed, and answers the cart. */
function setLine(data: DemoData, userId: string, productId: string, quantity: number): DemoAnswer {
  if (!data.productsById.has(productId)) return { status: 422, body: { error: `unknown product ${productId}` } };
  const lines = (data.carts.get(userId) ?? []).filter((line) => line.productId !== productId);
  const at = (data.carts.get(userId) ?? []).findIndex((line) => line.productId === productId);
  if (quantity > 0) lines.splice(at === -1 ? lines.length : at, 0, { productId, quantity });
  data.carts.set(userId, lines);
  return cartAnswer(userId, data);
}

/**
 * `POST /carts/{userId}/lines {productId, quantity}` adds to a line; `PUT /carts/{userId}/lines/{productId}
 * {quantity}` sets it; `DELETE /carts/{userId}/lines/{productId}` removes it. Each answers the cart.
 */
const cart: DemoWriteRoute = (method, url, body, data) => {
  const match = /^\/carts\/([^/]+)\/lines(?:\/([^/]+))?$/.exec(url.pathname);
  if (!match) return notFound;
  const userId = decodeURIComponent(match[1]!);
  const lineId = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
  const current = (productId: string): number => data.carts.get(userId)?.find((line) => line.productId === productId)?.quantity ?? 0;
  if (method === 'POST' && lineId === undefined) {
    const productId = (body as { productId?: unknown } | undefined)?.productId;
    const quantity = quantityOf(body);
    if (typeof productId !== 'string' || quantity === undefined) return badRequest(`body must be {productId, quantity 1..${MAX_LINE_QUANTITY}}`);
    if (current(productId) + quantity > MAX_LINE_QUANTITY) return { status: 422, body: { error: `a line holds at most ${MAX_LINE_QUANTITY}` } };
    return setLine(data, userId, productId, current(productId) + quantity);
  }
  if (method === 'PUT' && lineId !== undefined) {
    const quantity = quantityOf(body);
    if (quantity === undefined) return badRequest(`body must be {quantity 1..${MAX_LINE_QUANTITY}}`);
    return setLine(data, userId, lineId, quantity);
  }
  if (method === 'DELETE' && lineId !== undefined) {
    return current(lineId) === 0 ? cartAnswer(userId, data) : setLine(data, userId, lineId, 0);
  }
  return { status: 405, body: { error: `${method} not allowed here` } };
};

/** `PUT /favorites/{userId}/{productId}` adds, `DELETE` removes; both answer the favourites. */
const favorites: DemoWriteRoute = (method, url, _body, data) => {
  const match = /^\/favorites\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!match) return notFound;
  const userId = decodeURIComponent(match[1]!);
  const productId = decodeURIComponent(match[2]!);
  const current = data.favorites.get(userId) ?? [];
  let ids: string[];
  if (method === 'PUT') {
    if (!data.productsById.has(productId)) return { status: 422, body: { error: `unknown product ${productId}` } };
    ids = current.includes(productId) ? current : [...current, productId];
  } else if (method === 'DELETE') {
    ids = current.filter((id) => id !== productId);
  } else {
    return { status: 405, body: { error: `${method} not allowed here` } };
  }
  data.favorites.set(userId, ids);
  return { status: 200, body: { userId, productIds: ids } };
};

/** The write side of the demo services that take writes. */
export const DEMO_WRITE_ROUTES: Partial<Record<SourceName, DemoWriteRoute>> = { cart, favorites };
