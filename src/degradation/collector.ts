import type { GraphQLResolveInfo } from 'graphql';
import { responsePathAsArray } from 'graphql';
import type { DegradationReason } from './reasons.js';

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

/** One entry of `extensions.degraded` (docs/architecture.md § Contract: degradation): fields grouped by source, reason and fallback. */
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
  /** Per source, reason and fallback: its report entry and the fields already listed in it. */
  readonly #groups = new Map<string, { entry: DegradationReportEntry; seen: Set<GraphQLResolveInfo['path']> }>();
  readonly #reported: DegradationReportEntry[] = [];

  record(field: DegradedField): void {
    const groupKey = `${field.source}\u0000${field.reason}\u0000${field.fallback}`;
    let group = this.#groups.get(groupKey);
    if (!group) {
      group = { entry: { source: field.source, reason: field.reason, fallback: field.fallback, paths: [] }, seen: new Set() };
      this.#groups.set(groupKey, group);
    }
    // A field fed by several keys (a cart subtotal) is listed once: its keys share one info.path.
    if (!group.seen.has(field.path)) {
      group.seen.add(field.path);
      group.entry.paths.push(responsePathAsArray(field.path));
    }
    if (field.staleAgeMs !== undefined) group.entry.staleAgeMs = Math.max(group.entry.staleAgeMs ?? 0, field.staleAgeMs);
  }

  /** The report, or undefined when nothing was degraded. Drains what was collected. */
  takeReport(): DegradationReportEntry[] | undefined {
    if (this.#groups.size === 0) return undefined;
    const report = [...this.#groups.values()].map((group) => group.entry);
    this.#groups.clear();
    this.#reported.push(...report);
    return report;
  }

  /** Everything reported so far in this request, across incremental payloads. */
  get reported(): readonly DegradationReportEntry[] {
    return this.#reported;
  }
}
