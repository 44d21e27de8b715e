import type DataLoader from 'dataloader';
import { AbandonedCallError, CallCancelledError } from '../errors.js';
import type { CallScope, CallSpec } from '../resilience/pipeline.js';
import type { BoundOperation } from '../sources/operation.js';
import { SharedTimer } from './shared-timer.js';

/** What a request's calls share: everything of `CallScope` but `onFinish`, which the loads own. */
export type RequestCallScope = Omit<CallScope, 'onFinish'>;

/** A field's own timer plan: `ms`, the error it fails with, and what to do when it fires. */
export interface TimerPlan {
  ms: number;
  reason: () => Error;
  onFire?: () => void;
}

interface InFlightCall {
  source: string;
  abort: (reason: Error) => void;
}

/**
 * Everything one GraphQL request loads, in one place: its DataLoaders (one per operation), the
 * values they settled or were primed with, the shared field timers and the upstream calls still
 * in flight. Resolvers call this small API; `finish()` ends it all when the response is done
 * (docs/architecture.md § The route of one request).
 */
export class RequestLoads {
  readonly #scope: CallScope;
  readonly #loaders = new Map<string, unknown>();
  // Per operation name: what its loader has loaded, or was primed with, so far (see BoundOperation.createLoader).
  readonly #settled = new Map<string, Map<string, unknown>>();
  readonly #refused = new Set<string>();
  readonly #timers = new Map<string, SharedTimer | undefined>();
  readonly #inFlight = new Set<InFlightCall>();
  readonly #abandoned = new Set<string>();
  // Set by finish(): a call or timer asked for afterwards (resolvers still running for a client that left) is not started.
  #finished = false;
  #onCallSettled: (() => void) | undefined;

  constructor(scope: RequestCallScope) {
    // Field by field rather than `{ ...scope, onFinish }`: on Node 20 a key added after a spread
    // builds a hidden class per object (bench/README.md § "Seventh session: per-call CPU").
    // Every key is listed (this stops compiling when CallScope gains one), each possibly undefined.
    const own: { [K in keyof Required<CallScope>]: CallScope[K] } = {
      deadline: scope.deadline,
      headers: scope.headers,
      tracer: scope.tracer,
      admit: scope.admit,
      ids: scope.ids,
      onFinish: (source, abort) => this.#track(source, abort),
    };
    this.#scope = own;
  }

  /** This request's DataLoader for `operation`, created on first use. */
  loaderFor<V extends object>(operation: BoundOperation<V>): DataLoader<string, V | null> {
    const name = operation.name;
    // Keyed by the operation's unique name, so a loader found here was built by this operation for V.
    let loader = this.#loaders.get(name) as DataLoader<string, V | null> | undefined;
    if (!loader) {
      // Holds only this operation's values, so reading them back as V is sound.
      const values = this.#settledFor(name) as Map<string, V | null>;
      loader = operation.createLoader(this.#scope, values);
      this.#loaders.set(name, loader);
      // Before its first load, all a loader's settled values were primed: hand them over.
      for (const [key, value] of values) loader.prime(key, value);
    }
    return loader;
  }

  /**
   * Values this request already has for `operation` (a page's products for `productById`): its
   * loader answers them without a call. Applied when the loader is first used, so a request that
   * never asks pays nothing (priming builds a promise per key).
   */
  prime<V extends object>(operation: BoundOperation<V>, entries: ReadonlyArray<readonly [string, V]>): void {
    const name = operation.name;
    const values = this.#settledFor(name);
    for (const [key, value] of entries) values.set(key, value);
    const loader = this.#loaders.get(name) as DataLoader<string, unknown> | undefined;
    if (loader) for (const [key, value] of entries) loader.prime(key, value);
  }

  /**
   * The value this request already loaded (or primed) for `key`, `null` for "not found", or
   * undefined when it has none yet: a field can then answer without a promise.
   */
  settled<V extends object>(operation: BoundOperation<V>, key: string): V | null | undefined {
    return this.#settled.get(operation.name)?.get(key) as V | null | undefined;
  }

  /**
   * One write through `operation`'s source pipeline (bulkhead, breaker, timeouts, deadline,
   * retries when `spec.idempotent`), counted against the request's allowance; never batched.
   */
  write<V extends object, T>(operation: BoundOperation<V>, spec: CallSpec<T>): Promise<T> {
    this.#scope.admit?.(operation.source);
    return operation.pipeline.call(spec, this.#scope);
  }

  /**
   * After a write: `value` is what this request knows for `key` from now on, replacing whatever
   * its loader loaded or was primed with before, so later fields read the written value.
   */
  replace<V extends object>(operation: BoundOperation<V>, key: string, value: V): void {
    this.#settledFor(operation.name).set(key, value);
    const loader = this.#loaders.get(operation.name) as DataLoader<string, unknown> | undefined;
    loader?.clear(key).prime(key, value);
  }

  /** True the first time in this request that a field of `operation` found its breaker refusing. */
  firstRefusal<V extends object>(operation: BoundOperation<V>): boolean {
    const name = operation.name;
    if (this.#refused.has(name)) return false;
    this.#refused.add(name);
    return true;
  }

  /**
   * The request's shared timer for a field coordinate, created by `plan` on first use; `plan`
   * answers undefined when the field needs no timer of its own.
   */
  sharedTimer(coordinate: string, plan: () => TimerPlan | undefined): SharedTimer | undefined {
    if (this.#timers.has(coordinate) || this.#finished) return this.#timers.get(coordinate);
    const planned = plan();
    const timer = planned && new SharedTimer(planned.ms, planned.reason, planned.onFire);
    this.#timers.set(coordinate, timer);
    return timer;
  }

  /**
   * `listener` runs each time one of this request's upstream calls settles, in the callback that
   * settled it: under a saturated loop that is sooner than any timer, which waits for every other
   * ready socket (src/plugins/use-answer-by-deadline.ts).
   */
  onCallSettled(listener: () => void): void {
    this.#onCallSettled = listener;
  }

  /** A field gave up on `source`: its calls still in flight at the end count as timeouts. */
  abandon(source: string): void {
    this.#abandoned.add(source);
  }

  /**
   * Stops the timers and aborts every upstream call this request still has in flight, as
   * `cancelled`; a call made after this is aborted as it starts. Called when the response is
   * done, or earlier when the client disconnects; calling it again does nothing more.
   */
  finish(): void {
    this.#finished = true;
    for (const timer of this.#timers.values()) timer?.dispose();
    for (const call of [...this.#inFlight]) {
      call.abort(this.#abandoned.has(call.source) ? new AbandonedCallError(call.source, `${call.source}: a field stopped waiting, the call was abandoned`) : REQUEST_FINISHED);
    }
    this.#inFlight.clear();
  }

  #settledFor(name: string): Map<string, unknown> {
    let values = this.#settled.get(name);
    if (!values) this.#settled.set(name, (values = new Map()));
    return values;
  }

  // A set entry per call is cheaper than an AbortSignal listener on Node 20.
  #track(source: string, abort: (reason: Error) => void): () => void {
    if (this.#finished) {
      abort(REQUEST_FINISHED);
      return noop;
    }
    const call = { source, abort };
    this.#inFlight.add(call);
    return () => {
      this.#inFlight.delete(call);
      this.#onCallSettled?.();
    };
  }
}

function noop(): void {}

/** The abort reason of calls outliving their request; one shared instance, since building an Error is not free. */
const REQUEST_FINISHED = new CallCancelledError('request', 'the request that wanted this call has finished');
