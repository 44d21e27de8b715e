import { isObjectType, Kind } from 'graphql';
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import type { BallastContext } from '../context.js';
import type { BoundOperation } from '../sources/operation.js';
import { fieldTimer } from './degradable.js';
import { fieldTimeoutOf } from './field-timeout.js';
import type { FieldTimeout } from './field-timeout.js';

/** One degradable field of a list's items that the list's resolver may load ahead (see `childLoad`). */
export interface ChildLoad<Item> {
  /** Where the field sits below the list field, e.g. `['nodes']` or `['edges', 'node']`. */
  paths: ReadonlyArray<readonly string[]>;
  /** The item type and the field: `Product.price`. */
  type: string;
  field: string;
  /** Starts the loads, raced by the field's shared timer; undefined when the breaker would refuse them. */
  start(context: BallastContext, items: readonly Item[], own: FieldTimeout | undefined): Promise<unknown> | undefined;
}

export function childLoad<Item, V extends object>(spec: {
  paths: ReadonlyArray<readonly string[]>;
  type: string;
  field: string;
  operation: BoundOperation<V>;
  key: (item: Item) => string;
}): ChildLoad<Item> {
  return {
    paths: spec.paths,
    type: spec.type,
    field: spec.field,
    start(context, items, own) {
      if (spec.operation.pipeline.failsFast) return undefined;
      const pending = context.loads.loaderFor(spec.operation).loadMany(items.map(spec.key));
      const timer = fieldTimer(context, own, spec.operation);
      return timer ? timer.race(pending) : pending;
    },
  };
}

/**
 * Loads what the items' degradable fields will ask for before the list resolves, when the query
 * selects them, so each of those fields answers from `context.settled` without a promise of its
 * own (graphql-jit then runs the whole list synchronously). The wait is bounded by the same
 * shared timers the fields use, so a slow source costs the list no more than its fields'
 * `@timeout`; a failed or late load leaves the fields to their usual fallbacks. Anything the
 * selection walk cannot be sure of (a directive such as `@skip` or `@defer`, an unknown
 * fragment) means no prefetch: loading ahead must never make a call the query would not.
 *
 * Worth it where many items each wait on a batch nobody loaded yet (a page's prices and stock:
 * ~5–8% on S1). Not for a cart's lines: their prices are loaded by `subtotal` already, and the
 * extra `loadMany` cost more than the line promises it saved (S2 2,065 → 1,883 req/s).
 */
export async function prefetchChildren<Item>(context: BallastContext, info: GraphQLResolveInfo, items: readonly Item[], loads: ReadonlyArray<ChildLoad<Item>>): Promise<void> {
  if (items.length === 0) return;
  const waits: Array<Promise<unknown>> = [];
  for (const load of loads) {
    if (!load.paths.some((path) => selects(info, path, load.field))) continue;
    const type = info.schema.getType(load.type);
    const started = load.start(context, items, isObjectType(type) ? fieldTimeoutOf(type, load.field, context.fieldTimeouts) : undefined);
    if (started) waits.push(started);
  }
  // Failures are the fields' business: each falls back on its own when it asks.
  await Promise.allSettled(waits);
}

/**
 * Answers of `walkSelection` per field node. A field node belongs to one parsed document, which
 * Yoga's parse cache hands to every request with the same text, and the answer depends on that
 * document alone (its selections, fragments and directives): walked once per document instead of
 * on every request, where the walk was ~1% of S1's CPU (bench/README.md § "Eighth session").
 */
const selectionMemo = new WeakMap<object, Map<string, boolean>>();

/** Whether the field being resolved selects `field` at `path` below it, with certainty. */
function selects(info: GraphQLResolveInfo, path: readonly string[], field: string): boolean {
  // Several nodes of one field (a field asked twice) are rare: walked every time, not memoised.
  if (info.fieldNodes.length !== 1) return walkSelection(info, path, field);
  const node = info.fieldNodes[0]!;
  let answers = selectionMemo.get(node);
  if (!answers) selectionMemo.set(node, (answers = new Map()));
  const key = `${path.join('.')}.${field}`;
  let answer = answers.get(key);
  if (answer === undefined) answers.set(key, (answer = walkSelection(info, path, field)));
  return answer;
}

function walkSelection(info: GraphQLResolveInfo, path: readonly string[], field: string): boolean {
  let level: SelectionSetNode[] = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const step of [...path, field]) {
    const next: SelectionSetNode[] = [];
    let found = false;
    for (const set of level) {
      const fields = fieldsOf(set, info);
      if (!fields) return false;
      for (const node of fields) {
        if (node.name.value !== step) continue;
        found = true;
        if (node.selectionSet) next.push(node.selectionSet);
      }
    }
    if (!found) return false;
    level = next;
  }
  return true;
}

type FieldNode = Extract<SelectionSetNode['selections'][number], { kind: Kind.FIELD }>;

/** The fields of a selection set with its fragments expanded; undefined when any selection carries a directive. */
function fieldsOf(set: SelectionSetNode, info: GraphQLResolveInfo): FieldNode[] | undefined {
  const fields: FieldNode[] = [];
  for (const selection of set.selections) {
    if (selection.directives?.length) return undefined;
    if (selection.kind === Kind.FIELD) {
      fields.push(selection);
      continue;
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : info.fragments[selection.name.value];
    if (!fragment || fragment.directives?.length) return undefined;
    const inner = fieldsOf(fragment.selectionSet, info);
    if (!inner) return undefined;
    fields.push(...inner);
  }
  return fields;
}
