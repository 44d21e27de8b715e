/**
 * `npx tsx bench/declared-check.ts [--rounds=6] [--iterations=20000]`: the cost of reading one S1
 * pricing answer (`{"items":[20 prices]}`: envelope, each item checked, matched back by key) in
 * the coded pricing operation against the same answer in the `@rest`-declared one
 * (bench/servers/declared-pricing.ts), alternating coded, declared in every round so a shared
 * machine's noise falls on both. No HTTP: each operation's `parse` is given the body directly.
 */
import { readTypeDefs } from '../src/declared/schema-files.js';
import { loadDeclarations } from '../src/declared/declarations.js';
import { declaredOperation } from '../src/declared/operation.js';
import { RESOLVED_FIELDS } from '../src/schema.js';
import { pricing } from '../src/sources/pricing.js';
import type { LoadContext, SourceOperation } from '../src/sources/operation.js';
import { declaredPricingSchemaDir } from './servers/declared-pricing.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => Number(args.find((entry) => entry.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rounds = arg('rounds', '6');
const iterations = arg('iterations', '20000');

const keys = Array.from({ length: 20 }, (_unused, index) => `p${index + 1}`);
// A fresh body per call, as JSON.parse of the upstream's bytes would give: no object is checked twice.
const bodyText = JSON.stringify({ items: keys.map((productId, index) => ({ productId, amount: 1999 + index, currency: 'USD' })) });
const context: LoadContext = { fetch: ((spec: { parse: (response: { status: number; body: unknown }) => unknown }) => spec.parse({ status: 200, body: JSON.parse(bodyText) })) as LoadContext['fetch'], source: 'pricing', currency: 'USD' };

const declaration = loadDeclarations(readTypeDefs(declaredPricingSchemaDir()), RESOLVED_FIELDS).find((entry) => entry.coordinate === 'Product.price');
if (!declaration) throw new Error('the declared pricing schema has no Product.price @rest');
const variants: Record<string, SourceOperation<object>> = {
  coded: pricing.operations.price,
  declared: declaredOperation(declaration, { currency: 'USD' }),
};

async function timeOf(operation: SourceOperation<object>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) {
    const values = await operation.load(keys, context);
    if (values.length !== keys.length || values.some((value) => value === null || value instanceof Error)) throw new Error(`${operation.name} read a bad answer: ${String(values.find((value) => value === null || value instanceof Error))}`);
  }
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

const times: Record<string, number[]> = { coded: [], declared: [] };
for (let round = 0; round < rounds; round++) {
  for (const [name, operation] of Object.entries(variants)) times[name]!.push(await timeOf(operation));
  console.log(`round ${round}: coded ${times.coded!.at(-1)!.toFixed(2)} µs/answer, declared ${times.declared!.at(-1)!.toFixed(2)} µs/answer, declared / coded ${(times.declared!.at(-1)! / times.coded!.at(-1)!).toFixed(2)}`);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`median (rounds after the first): coded ${median(times.coded!.slice(1)).toFixed(2)} µs, declared ${median(times.declared!.slice(1)).toFixed(2)} µs, ratio ${(median(times.declared!.slice(1)) / median(times.coded!.slice(1))).toFixed(2)}`);
