import { randomUUID } from 'node:crypto';
import type DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { BallastConfig } from './config-schema.js';
import { DegradationCollector } from './degradation.js';
import { CallCancelledError } from './errors.js';
import { Deadline } from './resilience/deadline.js';
import { DEADLINE_HEADER } from './resilience/pipeline.js';
import type { CallScope } from './resilience/pipeline.js';
import type { Operations } from './sources/index.js';
import type { BoundOperation } from './sources/operation.js';

type ValueOf<B> = B extends BoundOperation<infer V> ? V : never;

/** A per-request DataLoader for every operation. */
export type Loaders = { [K in keyof Operations]: DataLoader<string, ValueOf<Operations[K]> | null> };

/** What every resolver of one GraphQL request shares. */
export interface BallastContext {
  operations: Operations;
  loaders: Loaders;
  deadline: Deadline;
  degradation: DegradationCollector;
  /** `Type.field` → ms from config, overriding `@timeout` in the SDL. */
  fieldTimeouts: Readonly<Record<string, number>>;
  requestId: string;
  /** ISO 4217 currency of prices and subtotals. */
  currency: string;
  /** Aborts every upstream call this request still has in flight. Called when the response is done. */
  finish(): void;
}

export interface ContextDependencies {
  config: BallastConfig;
  operations: Operations;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createContext({ config, operations }: ContextDependencies, request: Request): BallastContext {
  const deadline = new Deadline(requestBudgetMs(config.deadlineMs, request.headers.get(DEADLINE_HEADER)));
  const offered = request.headers.get('x-request-id');
  const requestId = offered !== null && REQUEST_ID.test(offered) ? offered : randomUUID();
  const lifetime = new AbortController();
  const scope: CallScope = { deadline, signal: lifetime.signal, headers: { 'x-request-id': requestId } };
  return {
    operations,
    loaders: createLoaders(operations, scope),
    deadline,
    degradation: new DegradationCollector(),
    fieldTimeouts: config.fieldTimeouts,
    requestId,
    currency: config.currency,
    finish: () => lifetime.abort(new CallCancelledError('request', 'the request that wanted this call has finished')),
  };
}

function createLoaders(operations: Operations, scope: CallScope): Loaders {
  return {
    productById: operations.productById.createLoader(scope),
    productPage: operations.productPage.createLoader(scope),
    inventory: operations.inventory.createLoader(scope),
    price: operations.price.createLoader(scope),
    cart: operations.cart.createLoader(scope),
    favorites: operations.favorites.createLoader(scope),
  };
}

/** A client may shorten, never lengthen, the request's budget with `x-ballast-deadline-ms`. */
function requestBudgetMs(configured: number, header: string | null): number {
  if (header === null) return configured;
  const value = Number(header);
  if (!/^\d+$/.test(header.trim()) || value <= 0) {
    throw new GraphQLError(`${DEADLINE_HEADER} must be a positive whole number of milliseconds, got "${header.slice(0, 40)}"`, {
      extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
    });
  }
  return Math.min(configured, value);
}
