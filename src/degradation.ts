import type { GraphQLResolveInfo } from 'graphql';
import { responsePathAsArray } from 'graphql';
import type { DegradationReason } from './errors.js';

export type FallbackKind = 'STALE' | 'DEFAULT' | 'NULL';

export type ResponsePath = ReadonlyArray<string | number>;

export interface DegradedField {
  source: string;
  reason: DegradationReason;
  fallback: FallbackKind;
  /** The field's `info.path`; one object per field, shared by every key the field loads. */
  path: GraphQLResolveInfo['path'];
  staleAgeMs?: number;
}

/** One entry of `extensions.degraded` (Contract 3): fields grouped by source, reason and fallback. */
export interface DegradationReportEntry {
  source: string;
  reason: DegradationReason;
  fallback: FallbackKind;
  paths: ResponsePath[];
  /** Age of the oldest stale value served in this group, in milliseconds. */
  staleAgeMs?: number;
}

/** Collects, for one request, every field that took a fallback. */
export class DegradationCollector {
  readonly #groups = new Map<string, DegradationReportEntry>();
  /** Fields already listed, per group: a field fed by several keys (a cart subtotal) is listed once. */
  readonly #seenPaths = new Map<DegradationReportEntry, Set<GraphQLResolveInfo['path']>>();
  readonly #reported: DegradationReportEntry[] = [];

  record(field: DegradedField): void {
    const groupKey = `${field.source}\u0000${field.reason}\u0000${field.fallback}`;
    let group = this.#groups.get(groupKey);
    let seen = group && this.#seenPaths.get(group);
    if (!group || !seen) {
      group = { source: field.source, reason: field.reason, fallback: field.fallback, paths: [] };
      seen = new Set();
      this.#groups.set(groupKey, group);
      this.#seenPaths.set(group, seen);
    }
    if (!seen.has(field.path)) {
      seen.add(field.path);
      group.paths.push(responsePathAsArray(field.path));
    }
    if (field.staleAgeMs !== undefined) group.staleAgeMs = Math.max(group.staleAgeMs ?? 0, field.staleAgeMs);
  }

  /** The report, or undefined when nothing was degraded. Drains what was collected. */
  takeReport(): DegradationReportEntry[] | undefined {
    if (this.#groups.size === 0) return undefined;
    const report = [...this.#groups.values()];
    this.#groups.clear();
    this.#seenPaths.clear();
    this.#reported.push(...report);
    return report;
  }

  /** Everything reported so far in this request, across incremental payloads. */
  get reported(): readonly DegradationReportEntry[] {
    return this.#reported;
  }
}
