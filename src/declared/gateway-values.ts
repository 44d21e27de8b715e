// `@rest(query:, match:)` text: `name=value` pairs joined by `&`, a value constant or naming a
// value of the gateway's config (docs/adding-a-data-source.md, "Constant parameters and checks").

/** A name and its value as declared, e.g. `["currency", "{config.currency}"]`. */
export type Pair = readonly [name: string, value: string];

/** What a declared value may name: the gateway's config values an upstream may need. */
export interface GatewayValues {
  /** `{config.currency}`: the ISO 4217 currency the gateway prices in. */
  currency: string;
}

const KNOWN: ReadonlyArray<keyof GatewayValues> = ['currency'];
const PLACEHOLDER = /\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `a=b&c={config.currency}` as pairs; `problem` (which throws) names the first bad part. */
export function parsePairs(text: string, problem: (message: string) => never): Pair[] {
  const pairs = text.split('&').map((part): Pair => {
    const at = part.indexOf('=');
    if (at <= 0) problem(`"${part}" is not name=value`);
    const name = part.slice(0, at);
    const value = part.slice(at + 1);
    if (!NAME.test(name)) problem(`"${name}" is not a plain name (letters, digits, _ . -)`);
    for (const [, placeholder] of value.matchAll(PLACEHOLDER)) {
      if (!placeholder!.startsWith('config.') || !(KNOWN as readonly string[]).includes(placeholder!.slice('config.'.length))) {
        problem(`{${placeholder}} is not a gateway value (known: ${KNOWN.map((key) => `{config.${key}}`).join(', ')}); field arguments are sent as parameters of their own`);
      }
    }
    return [name, value];
  });
  const names = pairs.map(([name]) => name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) problem(`"${twice}" is named twice`);
  return pairs;
}

/** The declared value with every `{config.<key>}` replaced by this gateway's value. */
export function resolveValue(value: string, gateway: GatewayValues): string {
  return value.replace(PLACEHOLDER, (_match, placeholder: string) => gateway[placeholder.slice('config.'.length) as keyof GatewayValues]);
}
