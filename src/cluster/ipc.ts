import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { LateTimer } from '../resilience/late-timer.js';

/**
 * Request/response over the cluster IPC channel: a worker asks the primary (metrics of every
 * worker, the fleet's dashboard status), the primary asks each worker (its own status).
 * Messages are plain objects tagged `ballast`; answers carry the request's id.
 */
interface Envelope {
  /** A notice is one-way: no answer, nothing waits. */
  ballast: 'request' | 'response' | 'notice';
  kind: string;
  id: string;
  payload?: unknown;
  error?: string;
}

type Handler = (payload: unknown) => Promise<unknown> | unknown;

const TIMEOUT_MS = 2_000;
const pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: LateTimer }>();

function isEnvelope(message: unknown): message is Envelope {
  return typeof message === 'object' && message !== null && 'ballast' in message && 'kind' in message && 'id' in message;
}

function settle(message: Envelope): void {
  const waiting = pending.get(message.id);
  if (!waiting) return;
  pending.delete(message.id);
  waiting.timer.clear();
  if (message.error) waiting.reject(new Error(message.error));
  else waiting.resolve(message.payload);
}

function ask(send: (message: Envelope) => void, kind: string, payload?: unknown, timeoutMs = TIMEOUT_MS): Promise<unknown> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    // Judged after the next poll phase: an answer that reached the pipe during a long turn is read first
    // (a stale-store lookup waits 50 ms, docs/deployment.md; under load a turn can be longer).
    const timer = new LateTimer(() => {
      pending.delete(id);
      reject(new Error(`no answer to ${kind} within ${timeoutMs} ms`));
    });
    timer.start(timeoutMs);
    pending.set(id, { resolve, reject, timer });
    send({ ballast: 'request', kind, id, payload });
  });
}

async function answer(message: Envelope, handlers: Record<string, Handler>, reply: (message: Envelope) => void): Promise<void> {
  const handler = handlers[message.kind];
  try {
    if (!handler) throw new Error(`no handler for ${message.kind}`);
    reply({ ballast: 'response', kind: message.kind, id: message.id, payload: await handler(message.payload) });
  } catch (error) {
    reply({ ballast: 'response', kind: message.kind, id: message.id, error: (error as Error).message });
  }
}

/** In a worker: answer the primary's requests with `handlers`. */
export function serveFromWorker(handlers: Record<string, Handler>): void {
  process.on('message', (message: unknown) => {
    if (!isEnvelope(message)) return;
    if (message.ballast === 'response') settle(message);
    else void answer(message, handlers, (reply) => sendToPrimary(reply));
  });
}

/** In a worker: ask the primary; rejects after `timeoutMs` (2 s by default) without an answer. */
export function askPrimary(kind: string, payload?: unknown, timeoutMs?: number): Promise<unknown> {
  return ask((message) => sendToPrimary(message), kind, payload, timeoutMs);
}

/** In a worker: tell the primary something, expecting no answer. */
export function notifyPrimary(kind: string, payload: unknown): void {
  // A draining worker is disconnected while it finishes requests: sending then would throw.
  if (!process.connected) return;
  sendToPrimary({ ballast: 'notice', kind, id: '', payload } satisfies Envelope);
}

/** In the primary: answer a worker's requests with `handlers`, and route workers' answers. */
export function serveFromPrimary(worker: Worker, handlers: Record<string, Handler>, notices: Record<string, (payload: unknown) => void> = {}): void {
  worker.on('message', (message: unknown) => {
    if (!isEnvelope(message)) return;
    if (message.ballast === 'response') settle(message);
    else if (message.ballast === 'notice') notices[message.kind]?.(message.payload);
    else void answer(message, handlers, (reply) => sendToWorker(worker, reply));
  });
}

/** In the primary: ask every live worker, leaving out those that do not answer in time. */
export async function askEveryWorker(kind: string, payload?: unknown): Promise<unknown[]> {
  const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && worker.isConnected());
  const answers = await Promise.allSettled(workers.map((worker) => ask((message) => sendToWorker(worker, message), kind, payload)));
  return answers.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
}

/**
 * A message to the cluster primary. With a callback, a send that fails because the primary is
 * already gone (it exits on a fatal start-up error while another worker still starts) is dropped
 * instead of surfacing as an unhandled 'error' event with a stack trace on stderr.
 */
function sendToPrimary(message: unknown): void {
  process.send?.(message, undefined, {}, () => undefined);
}

/** A message to a worker that may have just died: a failed send is dropped (the ask times out) instead of throwing in the primary. */
function sendToWorker(worker: { send(message: unknown, sendHandle: undefined, options: object, callback: (error: Error | null) => void): boolean }, message: unknown): void {
  worker.send(message, undefined, {}, () => undefined);
}
