import type { BallastConfig, SourceName } from './config-schema.js';
import { ALL_SOURCE_NAMES } from './declared/names.js';
import { ConfigError } from './config.js';
import { urlVariableOf } from './sources/registry.js';

/** URLs that stand in for sources without a configured one, by source name. */
export type StandInUrls = Partial<Record<string, string | undefined>>;

/**
 * The one rule for a source's URL (docs/architecture.md § Where an idea lives): the configured URL
 * (config file, `<NAME>_URL`, `BALLAST__sources__<name>__url`, read by src/config.ts) wins; else
 * the first stand-in that has one: the embedded demo services in development, and on reload the
 * URL the running gateway used. Returns a new config; the validated one is left as it was.
 */
export function withSourceUrls(config: BallastConfig, ...standIns: Array<StandInUrls | undefined>): BallastConfig {
  const sources = { ...config.sources };
  // Declared sources (`@rest`) have config entries under their own names too.
  for (const name of ALL_SOURCE_NAMES as SourceName[]) {
    const url = config.sources[name].url ?? standIns.map((urls) => urls?.[name]).find((standIn) => standIn !== undefined);
    if (url !== undefined) sources[name] = { ...config.sources[name], url };
  }
  return { ...config, sources };
}

/** Each source's URL as the configured or stand-in URL string above, by name: a stand-in for a reload. */
export function sourceUrlsOf(config: BallastConfig): StandInUrls {
  return Object.fromEntries((ALL_SOURCE_NAMES as SourceName[]).map((name) => [name, config.sources[name].url]));
}

/** The base URL every call of a source starts from; a source without one is a config error. */
export function sourceBaseUrls(config: BallastConfig): Record<SourceName, URL> {
  const names = ALL_SOURCE_NAMES as SourceName[];
  const missing = names.filter((name) => !config.sources[name]?.url);
  if (missing.length) throw new ConfigError(`no URL for ${missing.join(', ')}: set ${missing.map(urlVariableOf).join(', ')}`);
  return Object.fromEntries(names.map((name) => [name, new URL(config.sources[name]!.url!)])) as Record<SourceName, URL>;
}
