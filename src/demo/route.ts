import type { DemoData } from './data.js';

export interface DemoAnswer {
  status: number;
  body: unknown;
}

/**
 * One demo service's answers to docs/architecture.md § Contract: the upstream REST services, from
 * demo data. Unknown ids are omitted from batch answers.
 */
export type DemoRoute = (url: URL, data: DemoData) => DemoAnswer;
