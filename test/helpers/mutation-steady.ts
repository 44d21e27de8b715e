import type { ConfigOverrides } from '../../src/config.js';

/**
 * Load shedding off, for focused mutation runs only (vitest.mutation.config.ts sets MUTATION_STEADY=1):
 * on a busy 2-core machine the in-process gateway would otherwise answer 503 OVERLOADED and fail
 * Stryker's initial run. It is a layer under the test's own overrides, so a test that configures
 * shedding itself keeps it; tests that assert default shedding are left out of those runs
 * (docs/testing.md, "Mutation testing"). In the normal suite this is empty.
 */
export function mutationSteadyLayer(env: NodeJS.ProcessEnv = process.env): ConfigOverrides {
  if (env.MUTATION_STEADY !== '1') return {};
  return { server: { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } } };
}
