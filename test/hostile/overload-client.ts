/**
 * A load generator in its own process, so its CPU is not the test runner's (and can be niced):
 * `node --import tsx test/hostile/overload-client.ts <url> <clients> <ms> [<ramp ms>]` runs closed-loop
 * clients sending HEAVY_QUERY (test/hostile/cpu-overload.ts) and prints one JSON line summing
 * up the answers: count by status, the refusals' Retry-After values and bodies, the 2xx with data,
 * the slowest 2xx.
 */
import { closedLoop } from './cpu-overload.js';

export interface LoadSummary {
  byStatus: Record<string, number>;
  /** Distinct Retry-After values of the 503 answers ("none" for a missing header). */
  retryAfter: string[];
  /** Distinct 503 bodies. */
  refusalBodies: string[];
  /** Slowest 2xx as the client saw it, ms. */
  max2xxMs: number;
  /** 2xx answers that carried the page (not a query cut at its deadline). */
  servedWithData: number;
}

const [url, clients, loadMs, rampMs] = process.argv.slice(2);
const answers = await closedLoop(url!, Number(clients), Number(loadMs), Number(rampMs ?? 0));
const byStatus: Record<string, number> = {};
for (const answer of answers) byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
const refusals = answers.filter((answer) => answer.status === 503);
const summary: LoadSummary = {
  byStatus,
  retryAfter: [...new Set(refusals.map((answer) => answer.retryAfter ?? 'none'))],
  refusalBodies: [...new Set(refusals.map((answer) => answer.body))],
  servedWithData: answers.filter((answer) => answer.status === 200 && (JSON.parse(answer.body) as { data?: unknown }).data !== null).length,
  max2xxMs: Math.round(Math.max(0, ...answers.filter((answer) => answer.status >= 200 && answer.status < 300).map((answer) => answer.ms))),
};
console.log(JSON.stringify(summary));
