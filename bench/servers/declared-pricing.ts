import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemaDir } from '../../src/declared/schema-files.js';

/**
 * `Product.price` declared with `@rest` instead of served by the coded pricing source: the same
 * call (`GET /prices?ids=…&currency=USD`), the same check (each item in the gateway's currency).
 * The shipped schema keeps the coded source (bench/README.md § Declared pricing).
 */
export const DECLARED_PRICE_FIELD =
  'price: Money @rest(source: "pricing", path: "/prices", batchKey: "ids", keyField: "productId", query: "currency={config.currency}", match: "currency={config.currency}") @timeout(ms: 800)';

const CODED_PRICE_FIELD = 'price: Money @timeout(ms: 800)';

/**
 * A copy of the shipped schema/ in a new temporary folder, `Product.price` declared in it; pass it
 * as BALLAST_SCHEMA_DIR. Throws if the shipped field is no longer written as expected, so the
 * copy can never silently stay coded.
 */
export function declaredPricingSchemaDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-declared-pricing-'));
  cpSync(schemaDir({}), dir, { recursive: true });
  const file = join(dir, 'product.graphql');
  const coded = readFileSync(file, 'utf8');
  if (coded.split(CODED_PRICE_FIELD).length !== 2) throw new Error(`schema/product.graphql no longer declares "${CODED_PRICE_FIELD}" once: update bench/servers/declared-pricing.ts`);
  writeFileSync(file, coded.replace(CODED_PRICE_FIELD, DECLARED_PRICE_FIELD));
  return dir;
}
