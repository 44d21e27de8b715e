import type { z } from 'zod';
import { UpstreamBadResponseError } from '../errors.js';
import { checkedParse } from './item-check.js';

// Single-object answers (a cart, a favorites list, a page); batch answers are ./batch-response.ts's.

/** Parses a whole single-object answer (a cart, a favorites list, a page). */
export function parseBody<T>(source: string, body: unknown, schema: z.ZodType<T>): T {
  const parsed = checkedParse(schema, body);
  if (!parsed.success) throw badPayload(source, parsed.error);
  return parsed.data;
}

/** A single-object answer about another key than asked (another user's cart) is a bad answer, never shown as this key's. */
export function answerFor<T>(source: string, key: string, answeredKey: string, value: T): T {
  if (answeredKey !== key) throw new UpstreamBadResponseError(source, `${source} answered for ${answeredKey} when asked for ${key}`);
  return value;
}

function badPayload(source: string, error: z.ZodError): UpstreamBadResponseError {
  const issue = error.issues[0];
  return new UpstreamBadResponseError(source, `${source} answered an unexpected shape${issue ? ` (${issue.path.join('.') || 'body'}: ${issue.message})` : ''}`);
}
