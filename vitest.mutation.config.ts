import base from './vitest.config.js';

/**
 * A focused mutation run (docs/testing.md): only the test files in MUTATION_TESTS (comma-separated
 * globs) run, so one small file's mutants do not each wait for the whole integration suite;
 * MUTATION_TEST_NAMES (a regular expression) narrows them to the matching test names.
 * MUTATION_STEADY=1 turns the gateways' load shedding off (test/helpers/mutation-steady.ts): under
 * Stryker's load a busy machine would otherwise answer 503 OVERLOADED and fail the initial run.
 */
export default {
  ...base,
  test: {
    ...base.test,
    include: (process.env.MUTATION_TESTS ?? 'test/**/*.test.ts').split(','),
    ...(process.env.MUTATION_TEST_NAMES ? { testNamePattern: process.env.MUTATION_TEST_NAMES } : {}),
    env: { ...base.test?.env, MUTATION_STEADY: '1' },
  },
};
