import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql 16 ships CJS (main) and ESM (module); Node loads the CJS one for graphql-yoga, so tests
  // must too, or GraphQLError from two copies fails instanceof and gets masked.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites start real servers on loopback; running files in parallel on 2 cores skews the timing bounds.
    fileParallelism: false,
  },
});
