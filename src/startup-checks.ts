import { isObjectType } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import type { BallastConfig } from './config-schema.js';
import { DeclarationError } from './declared/declarations.js';
import { ALL_SOURCE_NAMES } from './declared/names.js';
import { ConfigError } from './config.js';
import { createBallastSchema } from './schema.js';
import { urlVariableOf } from './sources/registry.js';

/**
 * Every check Ballast makes before it starts beyond the config's own shape: `ballast` and
 * `ballast check-config` both call this, so check-config never says OK to a config that then
 * refuses to start. Throws `ConfigError` on the first problem.
 */
export function checkStartup(config: BallastConfig, env: NodeJS.ProcessEnv, schema?: GraphQLSchema, demoSources: readonly string[] = ALL_SOURCE_NAMES): void {
  checkFieldTimeouts(config, schema ?? declaredSchema());
  checkUpstreams(config, env, demoSources);
}

/** The schema, a bad `@rest` declaration refused as a config error: one line, exit code 2. */
function declaredSchema(): GraphQLSchema {
  try {
    return createBallastSchema();
  } catch (error) {
    if (error instanceof DeclarationError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Every `fieldTimeouts` key names a field of an object type of the built schema. */
export function checkFieldTimeouts(config: BallastConfig, schema: GraphQLSchema): void {
  for (const coordinate of Object.keys(config.fieldTimeouts)) {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    if (!type || !isObjectType(type)) throw new ConfigError(`config: fieldTimeouts."${coordinate}": the schema has no object type ${typeName}`);
    if (!type.getFields()[fieldName]) throw new ConfigError(`config: fieldTimeouts."${coordinate}": type ${typeName} has no field ${fieldName}`);
  }
}

/**
 * Sources without a URL run as demo services: never in production unless asked, never without a
 * demo. `demoSources` are the sources the demo can stand in for; main.ts passes the demo's list,
 * so this module does not import the demo (docs/architecture.md § Layers).
 */
export function checkUpstreams(config: BallastConfig, env: NodeJS.ProcessEnv, demoSources: readonly string[] = ALL_SOURCE_NAMES): void {
  const policies = config.sources as Record<string, BallastConfig['sources']['catalog']>;
  const missing = ALL_SOURCE_NAMES.filter((name) => policies[name]?.url === undefined);
  if (missing.length === 0) return;
  // Production must never quietly answer from made-up data.
  if (config.mode === 'production' && env.BALLAST_DEMO !== '1') {
    throw new ConfigError(`production mode needs real upstreams: set ${missing.map(urlVariableOf).join(', ')} (or BALLAST_DEMO=1 to run the demo services anyway)`);
  }
  const withoutDemo = missing.filter((name) => !demoSources.includes(name));
  if (withoutDemo.length) throw new ConfigError(`no URL for ${withoutDemo.join(', ')} and no demo service to stand in: set ${withoutDemo.map(urlVariableOf).join(', ')}`);
}
