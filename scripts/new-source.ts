/**
 * `npm run new-source -- <name>`: scaffolds a data source, wired in and resilient by default:
 * src/sources/<name>.ts, schema/<name>.graphql, src/resolvers/<name>.ts, a demo service
 * (src/demo/<name>-route.ts) and test/sources/<name>.test.ts; then regenerates resolver types.
 * Resolvers follow the one rule of docs/adding-a-data-source.md: src/resolvers/<name>.ts resolves
 * what schema/<name>.graphql declares or extends (here `extend type Product`, so one map).
 * Walkthrough: docs/adding-a-data-source.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const name = process.argv[2] ?? '';
if (!/^[a-z][a-z0-9]{1,30}$/.test(name)) {
  console.error('usage: npm run new-source -- <name>   (lower-case letters and digits, e.g. reviews)');
  process.exit(2);
}
const Pascal = name[0]!.toUpperCase() + name.slice(1);
const files: Record<string, string> = {
  [`src/sources/${name}.ts`]: `import { z } from 'zod';
import { batchByKey, defineSource, idsParam } from './define.js';

/** One ${name} item as the upstream sends it. Edit to match your service. */
const ${name}ItemSchema = z.object({ productId: z.string(), value: z.string() });
export type ${Pascal}Record = z.infer<typeof ${name}ItemSchema>;

/** ${Pascal}: \`GET /${name}?ids=…\` answering \`{"items":[{"productId","value"}]}\`. URL from ${name.toUpperCase()}_URL. */
export const ${name} = defineSource({
  name: '${name}',
  // Code defaults for this source; config and env override them. E.g. { timeoutMs: 800, maxStaleMs: 60_000 }
  policy: {},
  operations: {
    ${name}ByProductId: batchByKey<${Pascal}Record>({
      path: (ids) => \`/${name}?ids=\${idsParam(ids)}\`,
      item: ${name}ItemSchema,
      keyField: 'productId',
    }),
  },
});
`,
  [`schema/${name}.graphql`]: `"${Pascal} of a product, from the ${name} service."
type ${Pascal} {
  "Edit to match your service."
  value: String!
}

extend type Product {
  "From the ${name} service; null when it is unavailable and no stale value is known."
  ${name}: ${Pascal} @timeout(ms: 800)
}
`,
  [`src/resolvers/${name}.ts`]: `import type { Resolvers } from '../generated/resolvers-types.js';
import { loadDegradable } from './degradable.js';

/** Product.${name}, batched through the ${name} source, with its fallbacks. */
export const ${name}Resolvers: Resolvers = {
  Product: {
    ${name}: (product, _args, context, info) => loadDegradable(context, info, context.operations.${name}ByProductId, product.id),
  },
};
`,
  [`src/demo/${name}-route.ts`]: `import type { DemoRoute } from './route.js';

/** Demo ${name} service: a deterministic answer for every known product id. */
export const ${name}Route: DemoRoute = (url, data) => {
  if (url.pathname !== '/${name}') return { status: 404, body: { error: 'not found' } };
  const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
  const items = ids.filter((id) => data.productsById.has(id)).map((productId) => ({ productId, value: \`${name} of \${productId}\` }));
  return { status: 200, body: { items } };
};
`,
  [`test/sources/${name}.test.ts`]: `import { afterEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const QUERY = \`{ products(first: 20) { nodes { id ${name} { __typename } } } }\`;

describe('the ${name} source', () => {
  it('answers Product.${name} for a page of products in one batched call', async () => {
    harness = await startHarness();
    const { body } = await harness.query(QUERY);
    expect(body.errors).toBeUndefined();
    const nodes = (body.data!.products as { nodes: Array<{ ${name}: unknown }> }).nodes;
    expect(nodes.every((node) => node.${name} !== null)).toBe(true);
    expect(harness.service('${name}').requestCount).toBe(1);
  });

  it('degrades to its fallback and opens its breaker when the service fails', async () => {
    harness = await startHarness({ sources: { ${name}: { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } } } });
    harness.service('${name}').setFault({ errorRate: 1 });
    const reasons: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const { status, body } = await harness.query(QUERY);
      expect(status).toBe(200);
      expect((body.data!.products as { nodes: unknown[] }).nodes).toHaveLength(20);
      reasons.push(body.extensions?.degraded?.[0]?.reason);
    }
    expect(reasons).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN']);
    expect(harness.gateway.state.sources.pipelines.${name}.breaker?.state).toBe('OPEN');
  });
});
`,
};

/** Inserts `line` just above the marker comment in `file`, keeping the marker's indentation. */
function insertAbove(file: string, marker: string, line: string): void {
  const text = readFileSync(file, 'utf8');
  const index = text.indexOf(marker);
  if (index < 0) throw new Error(`${file}: marker "${marker}" not found`);
  const lineStart = text.lastIndexOf('\n', index) + 1;
  const indent = text.slice(lineStart, index);
  writeFileSync(file, text.slice(0, lineStart) + indent + line + '\n' + text.slice(lineStart));
}

for (const path of Object.keys(files)) {
  if (existsSync(path)) {
    console.error(`${path} already exists: is there a source called ${name} already?`);
    process.exit(2);
  }
}
for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`created ${path}`);
}
insertAbove('src/sources/names.ts', '// ballast:source-names', `'${name}',`);
insertAbove('src/sources/registry.ts', '// ballast:source-imports', `import { ${name} } from './${name}.js';`);
insertAbove('src/sources/registry.ts', '// ballast:source-list', `${name},`);
insertAbove('src/demo/routes.ts', '// ballast:demo-imports', `import { ${name}Route } from './${name}-route.js';`);
insertAbove('src/demo/routes.ts', '// ballast:demo-routes', `${name}: ${name}Route,`);
insertAbove('src/resolvers/index.ts', '// ballast:resolver-imports', `import { ${name}Resolvers } from './${name}.js';`);
insertAbove('src/resolvers/index.ts', '// ballast:resolver-list', `${name}Resolvers,`);
console.log('wired into src/sources/names.ts, src/sources/registry.ts, src/demo/routes.ts, src/resolvers/index.ts');
execFileSync('npx', ['graphql-codegen', '--config', 'codegen.ts', '--silent'], { stdio: 'inherit' });
console.log(`regenerated src/generated/resolvers-types.ts

Next: edit the item schema and path in src/sources/${name}.ts and the type in schema/${name}.graphql
to match your service, then npm run codegen && npm run typecheck && npx vitest run test/sources/${name}.test.ts`);
