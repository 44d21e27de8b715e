import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadDeclarations } from '../../src/declared/declarations.js';
import { readTypeDefs } from '../../src/declared/schema-files.js';

/** The declarations test/fixtures/openapi/shipping.yaml yields: batch by ids, one object per key, a list per key. */
const EXPECTED = `type Estimate {
  productId: String!
  days: Int!
  costCents: Float
}

type ShippingOptions {
  speed: ShippingOptionsSpeed!
  days: Int
}

enum ShippingOptionsSpeed {
  standard
  express
}

type ReturnsByProduct {
  reason: String!
  count: Int
}

extend type Product {
  shippingEstimates: Estimate @rest(source: "shipping", path: "/estimates", batchKey: "productIds", keyField: "productId")
  shippingOptions: ShippingOptions @rest(source: "shipping", path: "/options/{id}")
  returnsByProduct: [ReturnsByProduct!] @rest(source: "shipping", path: "/returns", keyParam: "productId")
}

# skipped GET /health: not a JSON object keyed by a path parameter, an id list or a query parameter
`;

const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import-openapi.ts', ...args], { encoding: 'utf8' });

describe('npm run import-openapi', () => {
  it('prints @rest declarations for the GET operations of an OpenAPI 3 document, which Ballast accepts', () => {
    const imported = run(['test/fixtures/openapi/shipping.yaml', '--source', 'shipping']);
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    expect(imported.stdout).toBe(EXPECTED);
    // In place of the hand-written schema/shipping.graphql, checked as Ballast checks it at start.
    const typeDefs = [...readTypeDefs().filter((text) => !text.includes('type ShippingEstimate')), imported.stdout];
    expect(loadDeclarations(typeDefs).map((declaration) => [declaration.coordinate, declaration.path, declaration.batchKey ?? declaration.keyParam ?? null, declaration.list])).toEqual([
      ['Product.shippingEstimates', '/estimates', 'productIds', false],
      ['Product.shippingOptions', '/options/{id}', null, false],
      ['Product.returnsByProduct', '/returns', 'productId', true],
    ]);
  }, 60_000);

  it('refuses a document that is not OpenAPI 3 with one line and exit code 2', () => {
    const refused = run(['package.json']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe('import-openapi: not an OpenAPI 3 document (no "openapi: 3.x")\n');
  }, 60_000);
});
