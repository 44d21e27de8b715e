import { z } from 'zod';

/** GraphQL's `Int` is 32-bit: a larger value cannot be sent to a client, so it is a bad answer here, at the source. */
export const GRAPHQL_INT_MAX = 2 ** 31 - 1;

/** A count or an amount in minor units: an integer from 0 to GraphQL's Int maximum. */
export const nonNegativeInt32 = z.number().int().min(0).max(GRAPHQL_INT_MAX);

/** A quantity of at least one unit, within GraphQL's Int. */
export const positiveInt32 = z.number().int().min(1).max(GRAPHQL_INT_MAX);
