import { z } from 'zod';

// The faults contract between the gateway's dashboard and the demo services: what a fault is and
// how to set one. The demo implements it; production code depends on this module, never on the
// demo itself (docs/architecture.md § Layers).

/** Faults a demo service can be told to inject; every field optional, several may combine. */
export const faultSchema = z.strictObject({
  /** Extra latency before answering, in ms. */
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** Never answer (the connection stays open until the client gives up). */
  hang: z.boolean().optional(),
  /** Fraction of requests answered with `errorStatus`, spread evenly (0.5 = every other one). */
  errorRate: z.number().min(0).max(1).optional(),
  /** Status for `errorRate` failures. @default 500 */
  errorStatus: z.number().int().min(400).max(599).optional(),
  /** Sent as `Retry-After` (seconds) with error statuses. */
  retryAfterSeconds: z.number().int().min(0).optional(),
  /**
   * Writes only: apply the write (and remember its idempotency key) before the other faults act, so
   * with `hang`, `reset`, `latencyMs` or `errorRate` the upstream did the work but the caller never hears.
   */
  applyWriteFirst: z.boolean().optional(),
  /** Reset the connection instead of answering. */
  reset: z.boolean().optional(),
  /** Answer 200 with a truncated JSON body. */
  malformedJson: z.boolean().optional(),
  /** Answer 200 with an HTML error page, as a misconfigured proxy would. */
  htmlError: z.boolean().optional(),
  /** Answer the right shape with the wrong field types (numbers as strings and the reverse). */
  wrongTypes: z.boolean().optional(),
  /** Send half the body, then wait this many ms before the rest. */
  slowBodyMs: z.number().int().min(0).max(600_000).optional(),
  /** Ids whose items alone get wrong types (one bad item in a good batch). */
  badItemIds: z.array(z.string()).optional(),
  /** Ids whose items answer in EUR, whatever currency was asked: well-formed, but wrong. */
  wrongCurrencyIds: z.array(z.string()).optional(),
  /** Ids whose items' numbers become `hugeNumber`. */
  hugeNumberIds: z.array(z.string()).optional(),
  /** The number `hugeNumberIds` items carry. @default 2^31, one past GraphQL's Int */
  hugeNumber: z.number().optional(),
  /** Ids whose items' numbers become negative. */
  negativeNumberIds: z.array(z.string()).optional(),
  /** Ids answered twice, the second copy with every number one higher and every other string changed (which one is right?). */
  duplicateItemIds: z.array(z.string()).optional(),
  /** Add a `null` to the items array. */
  nullItem: z.boolean().optional(),
  /** Add a copy of the first item without its key field (a product nobody can match). */
  keylessItem: z.boolean().optional(),
  /** Answer another user's `userId` (a cart or favourites list that is not the one asked for). */
  wrongUserId: z.string().optional(),
});
export type Fault = z.infer<typeof faultSchema>;

/** What the dashboard may do to demo services, whether they run in this process or another. */
export interface DemoControl {
  /** Sources served by a demo service. */
  sources: readonly string[];
  setFault(source: string, fault: Fault): Promise<void>;
  clearFault(source: string): Promise<void>;
  currentFault(source: string): Promise<Fault | null>;
}

/** Where a demo service takes its fault (PUT a Fault, GET `{fault}`, DELETE to clear). */
export const FAULT_CONTROL_PATH = '/__control/fault';
