import { GraphQLError } from 'graphql';
import type { BallastContext } from '../context.js';

/**
 * Refuses a list from an upstream answer longer than `security.maxListItems`: each item costs
 * upstream calls (a cart line's product and price), so one 5,000-line cart would fill shared
 * bulkheads. The field fails with a coded error; cutting the list silently would show a wrong
 * cart (docs/security.md).
 */
export function assertListWithinBound(length: number, context: BallastContext, source: string, what: string): void {
  const max = context.config.security.maxListItems;
  if (length <= max) return;
  throw new GraphQLError(`${what} has ${length} items, more than the ${max} Ballast reads from one answer`, { extensions: { code: 'LIST_TOO_LONG', source } });
}
