import type { Fault } from '../faults/contract.js';
import type { FailedAttempt, PipelineObserver } from '../resilience/pipeline.js';

/** One failed upstream exchange, as kept for operators. */
export interface FailureSample {
  at: string;
  source: string;
  /** e.g. `GET /inventory?ids=p-0001,p-0002` (path only: the origin is config, not data). */
  request: string;
  reason: string;
  status: number | null;
  latencyMs: number;
  /** Start of the answer body, truncated. */
  body: string | null;
  message: string;
}

/** A replayable fault scenario: the demo service applies `faults` to successive requests, cycling. */
export interface FaultScenario {
  source: string;
  faults: Fault[];
}

const BODY_CHARS = 256;
/** Messages and request lines are cut too, so 50 samples per source stay a few hundred KB at most. */
const TEXT_CHARS = 1024;

/** The last `perSource` failed attempts of every source, in a bounded ring per source. */
export class FailureSamples implements PipelineObserver {
  readonly #perSource: number;
  readonly #samples = new Map<string, FailureSample[]>();

  constructor(perSource = 50) {
    this.#perSource = perSource;
  }

  attemptFailed(source: string, attempt: FailedAttempt): void {
    // Cancelled calls are the request ending, not the upstream failing.
    if (attempt.error.name === 'CallCancelledError') return;
    let ring = this.#samples.get(source);
    if (!ring) this.#samples.set(source, (ring = []));
    ring.push({
      at: new Date().toISOString(),
      source,
      request: `${attempt.method} ${attempt.path}`.slice(0, TEXT_CHARS),
      reason: attempt.error.code,
      status: attempt.error.status ?? null,
      latencyMs: Math.round(attempt.latencyMs),
      body: attempt.error.bodySnippet?.slice(0, BODY_CHARS) ?? null,
      message: attempt.error.message.slice(0, TEXT_CHARS),
    });
    if (ring.length > this.#perSource) ring.shift();
  }

  /** Newest last; every source when `source` is omitted. */
  list(source?: string): FailureSample[] {
    if (source !== undefined) return [...(this.#samples.get(source) ?? [])];
    return [...this.#samples.values()].flat().sort((a, b) => a.at.localeCompare(b.at));
  }

  /** The samples of `source` as faults the demo service can replay. */
  exportScenario(source: string): FaultScenario {
    return { source, faults: this.list(source).map(sampleToFault) };
  }
}

/** The demo fault that reproduces what a sample saw. */
export function sampleToFault(sample: FailureSample): Fault {
  switch (sample.reason) {
    case 'UPSTREAM_TIMEOUT':
      return { hang: true };
    case 'UPSTREAM_UNAVAILABLE':
      return sample.status === null ? { reset: true } : { errorRate: 1, errorStatus: sample.status };
    case 'UPSTREAM_BAD_RESPONSE':
      if (sample.status !== null && sample.status >= 400) return { errorRate: 1, errorStatus: sample.status };
      if (sample.body?.trimStart().startsWith('<')) return { htmlError: true };
      return sample.message.includes('not JSON') ? { malformedJson: true } : { wrongTypes: true };
    default:
      return { errorRate: 1, errorStatus: 503 };
  }
}
