import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { defaultConfig } from './config-defaults.js';
import { configSchema, isHttpUrl } from './config-schema.js';
import { redactUrlsIn } from './redact.js';
import { SOURCES } from './sources/registry.js';
import { ALL_SOURCE_NAMES, DECLARED_SOURCE_NAMES } from './declared/names.js';
import type { BallastConfig } from './config-schema.js';

export type { BallastConfig, SourceName, SourcePolicy } from './config-schema.js';
export { SOURCE_NAMES } from './config-schema.js';

/** A configuration Ballast refuses to start with; the message names the key (or variable) and value. */
export class ConfigError extends Error {
  override name = 'ConfigError';

  /** The message is printed and logged: credentials in any URL it quotes are hidden. */
  constructor(message: string) {
    super(redactUrlsIn(message));
  }
}

/** Keys that would reach an object's prototype when merged: refused wherever config comes from. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The dotted path of the first forbidden key in `value`, if any. */
function forbiddenKeyPath(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return [...path, key];
    const inner = forbiddenKeyPath((value as Record<string, unknown>)[key], [...path, key]);
    if (inner) return inner;
  }
  return undefined;
}

function refuseForbiddenKeys(where: string, value: unknown): void {
  const path = forbiddenKeyPath(value);
  if (path) throw new ConfigError(`${where}: key "${path.at(-1)}" (at ${path.join('.')}) is not allowed`);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Deep partial config, as a file, the environment or a test supplies it. */
export type ConfigOverrides = { [key: string]: unknown };

const ENV_PREFIX = 'BALLAST__';

/**
 * The effective configuration: code defaults, then the config file (`--config` or
 * `BALLAST_CONFIG`, JSON or YAML), then the environment. Throws `ConfigError` on the first problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configPath?: string): BallastConfig {
  const path = configPath ?? env.BALLAST_CONFIG;
  const layers: ConfigOverrides[] = [];
  if (path) layers.push(readConfigFile(path));
  layers.push(envOverrides(env));
  return resolveConfig(...layers);
}

/** Defaults merged with `layers` in order, then validated. */
export function resolveConfig(...layers: ConfigOverrides[]): BallastConfig {
  let merged: JsonObject = defaultConfig() as unknown as JsonObject;
  for (const layer of layers) merged = deepMerge(merged, layer as JsonObject);
  clampDefaultAttemptTimeouts(merged, layers);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(describeIssue(result.error.issues[0]!, merged));
  return result.data;
}

/**
 * A source whose `timeoutMs` was lowered below the default `attemptTimeoutMs`, without setting
 * the latter, gets attempts as long as the whole call: only an explicit contradiction is refused.
 */
function clampDefaultAttemptTimeouts(merged: JsonObject, layers: ConfigOverrides[]): void {
  const sources = merged.sources;
  if (!isObject(sources)) return;
  for (const [name, policy] of Object.entries(sources)) {
    if (!isObject(policy) || typeof policy.timeoutMs !== 'number' || typeof policy.attemptTimeoutMs !== 'number') continue;
    const explicit = layers.some((layer) => getPath(layer as JsonObject, ['sources', name, 'attemptTimeoutMs']) !== undefined);
    if (!explicit && policy.attemptTimeoutMs > policy.timeoutMs) sources[name] = { ...policy, attemptTimeoutMs: policy.timeoutMs };
  }
}

export function readConfigFile(path: string): ConfigOverrides {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`config file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = ['.yaml', '.yml'].includes(extname(path)) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${path}: the top level must be an object`);
  refuseForbiddenKeys(`config file ${path}`, parsed);
  return parsed as ConfigOverrides;
}

/**
 * Environment variables: `PORT`, `HOST`, `<SOURCE>_URL`, `BALLAST_DEADLINE_MS`, `BALLAST_MODE`
 * (or `NODE_ENV=production`), `BALLAST_LOG_LEVEL`, `REDIS_URL`, `OPS_PORT`, `OPS_HOST`, and any key
 * as `BALLAST__a__b=value`.
 */
export function envOverrides(env: NodeJS.ProcessEnv): ConfigOverrides {
  const overrides: JsonObject = {};
  const set = (path: string[], value: Json): void => setPath(overrides, path, value);
  if (env.PORT !== undefined) set(['port'], parseNumber('PORT', env.PORT));
  if (env.HOST) set(['host'], env.HOST);
  if (env.BALLAST_DEADLINE_MS !== undefined) set(['deadlineMs'], parseNumber('BALLAST_DEADLINE_MS', env.BALLAST_DEADLINE_MS));
  const mode = env.BALLAST_MODE ?? (env.NODE_ENV === 'production' ? 'production' : undefined);
  if (mode) set(['mode'], mode);
  if (env.BALLAST_LOG_LEVEL) set(['logLevel'], env.BALLAST_LOG_LEVEL);
  if (env.REDIS_URL) set(['redis', 'url'], env.REDIS_URL);
  if (env.OPS_PORT !== undefined && env.OPS_PORT !== '') set(['ops', 'port'], parseNumber('OPS_PORT', env.OPS_PORT));
  if (env.OPS_HOST) set(['ops', 'host'], env.OPS_HOST);
  for (const source of [...SOURCES, ...DECLARED_SOURCE_NAMES.map((name) => ({ name, urlVariable: `${name.toUpperCase()}_URL` }))]) {
    const value = env[source.urlVariable];
    if (value === undefined || value === '') continue;
    if (!isHttpUrl(value)) throw new ConfigError(`${source.urlVariable}=${value} is not an absolute http:// or https:// URL`);
    set(['sources', source.name, 'url'], value);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__');
    const parsed = parseEnvValue(value);
    if (path.includes('')) throw new ConfigError(`${name}: not a key path (an empty key between "__" separators)`);
    const forbidden = path.find((key) => FORBIDDEN_KEYS.has(key));
    if (forbidden) throw new ConfigError(`${name}: key "${forbidden}" is not allowed`);
    refuseForbiddenKeys(name, parsed);
    set(path, parsed);
  }
  return overrides;
}

function parseNumber(variable: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new ConfigError(`${variable}=${value} is not a number`);
  return number;
}

function parseEnvValue(value: string): Json {
  try {
    return JSON.parse(value) as Json;
  } catch {
    return value;
  }
}

function describeIssue(issue: z.core.$ZodIssue, config: JsonObject): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const where = path.length ? `${path.join('.')}.` : '';
    const known = path.length === 1 && path[0] === 'sources' ? ` (known sources: ${ALL_SOURCE_NAMES.join(', ')})` : '';
    return `config: unknown key ${issue.keys.map((key) => where + key).join(', ')}${known}`;
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message;
    return `config: ${path.slice(0, -1).join('.')} has a bad key "${path.at(-1)}": ${inner}`;
  }
  const value = getPath(config, path);
  return `config: ${path.join('.')} = ${JSON.stringify(value) ?? 'undefined'}: ${issue.message}`;
}

function deepMerge(base: JsonObject, override: JsonObject): JsonObject {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

function setPath(target: JsonObject, path: string[], value: Json): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = isObject(next) ? next : (node[key] = {});
  }
  node[path[path.length - 1]!] = value;
}

function getPath(target: Json, path: string[]): Json | undefined {
  let node: Json | undefined = target;
  for (const key of path) node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
  return node;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
