import type { BallastContext } from '../context.js';
import type { DeclaredOperation } from '../declared/operation.js';
import type { BoundOperation } from '../sources/operation.js';

/**
 * The operation that serves the field `coordinate` (`Product.price`): its `@rest` declaration when
 * the SDL declares one keyed by the parent alone (docs/adding-a-data-source.md), else the coded
 * `operation`. A parent that loads ahead for the field (a page's prices) or shares its values (a
 * cart's subtotal) must load what the field itself asks for: another operation would mean a
 * second upstream call for the same values.
 */
export function operationServing<V extends object>(context: BallastContext, coordinate: string, coded: BoundOperation<V>): BoundOperation<V> {
  const declared = (context.operations as unknown as Record<string, BoundOperation<object> | undefined>)[coordinate];
  if (!declared || !(declared.definition as Partial<DeclaredOperation>).keyedByParentAlone) return coded;
  // The declared field answers the type the SDL gives it, the same type the coded resolver answers.
  return declared as unknown as BoundOperation<V>;
}
