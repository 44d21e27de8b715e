import base from './vitest.config.js';

/**
 * A focused mutation run (docs/testing.md): only the test files in MUTATION_TESTS (comma-separated
 * globs) run, so one small file's mutants do not each wait for the whole integration suite.
 */
export default {
  ...base,
  test: { ...base.test, include: (process.env.MUTATION_TESTS ?? 'test/**/*.test.ts').split(',') },
};
