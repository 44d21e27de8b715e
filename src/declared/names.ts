import { Kind, parse, visit } from 'graphql';
import type { ArgumentNode } from 'graphql';
import { SOURCE_NAMES } from '../sources/names.js';
import { readTypeDefs } from './schema-files.js';

/** A declared source name: becomes a config key, a metric label and `<NAME>_URL`. */
export const DECLARED_NAME = /^[a-z][a-z0-9]{0,30}$/;

/**
 * Names of the sources the SDL declares with `@rest(source: …)` that are not coded sources, in
 * first-seen order. Read once when Ballast starts: a new source name needs a restart (its config
 * key, URL and metrics are fixed then); new or changed fields of a known one reload.
 */
export function declaredSourceNames(typeDefs: readonly string[]): string[] {
  const names = new Set<string>();
  for (const text of typeDefs) {
    visit(parse(text, { noLocation: true }), {
      Directive(node) {
        if (node.name.value !== 'rest') return;
        const source = node.arguments?.find((argument: ArgumentNode) => argument.name.value === 'source')?.value;
        if (source?.kind === Kind.STRING && !(SOURCE_NAMES as readonly string[]).includes(source.value)) names.add(source.value);
      },
    });
  }
  return [...names];
}

/**
 * The declared source names of the SDL this process started with. A folder that cannot be read or
 * parsed yields none here: building the schema then fails with the real problem, one line, exit 2.
 */
export const DECLARED_SOURCE_NAMES: readonly string[] = safely(() => declaredSourceNames(readTypeDefs()).filter((name) => DECLARED_NAME.test(name)));

/** Coded and declared sources, in display order (coded first). */
export const ALL_SOURCE_NAMES: readonly string[] = [...SOURCE_NAMES, ...DECLARED_SOURCE_NAMES];

function safely(read: () => string[]): string[] {
  try {
    return read();
  } catch {
    return [];
  }
}
