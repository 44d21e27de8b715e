import type { Counter, Histogram } from 'prom-client';

/** One label set's calls: how many, their summed duration, and how many fell in each bucket. */
interface Series {
  readonly labels: Record<string, string>;
  count: number;
  sum: number;
  /** Not cumulative: `perBucket[i]` counts the values in (buckets[i-1], buckets[i]]. */
  readonly perBucket: number[];
}

/** The record prom-client's histogram keeps per label set, and exports from at scrape time. */
interface HistogramRecord {
  labels: Record<string, string>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * A counter and a histogram of the same two labels that always move together (one call, or one
 * request: counted once, its duration observed once), kept in plain numbers on the hot path and
 * handed to prom-client only when it is scraped (each metric's `collect`). prom-client's own
 * `inc`/`observe` validate the label names and build a hash string of the labels on every call,
 * `labels()` children included; here a call is two `Map` look-ups and a few additions
 * (bench/README.md § "Eighth session: per-call CPU"). The scrape is the same text: label sets in
 * the order they first occurred, values summed in the same order.
 */
export class TimedCounts<A extends string, B extends string> {
  readonly #labelNames: readonly [A, B];
  readonly #buckets: readonly number[];
  readonly #byFirst = new Map<string, Map<string, Series>>();
  /** Every series in the order it first occurred: the order prom-client would print them in. */
  readonly #series: Series[] = [];

  constructor(labelNames: readonly [A, B], buckets: readonly number[]) {
    this.#labelNames = labelNames;
    this.#buckets = buckets;
  }

  /** One event of the label set (`first`, `second`) that took `seconds`. */
  record(first: string, second: string, seconds: number): void {
    // A duration that is not a number would make the sum NaN for good; prom-client refused it too.
    if (!Number.isFinite(seconds)) return;
    const series = this.#seriesOf(first, second);
    series.count += 1;
    series.sum += seconds;
    const buckets = this.#buckets;
    for (let index = 0; index < buckets.length; index++) {
      if (seconds <= buckets[index]!) {
        series.perBucket[index]! += 1;
        return;
      }
    }
  }

  /** The counter's `collect`: its values rebuilt from the counts. */
  collectCounter(counter: Counter<A | B>): void {
    counter.reset();
    for (const series of this.#series) counter.inc(series.labels as Record<A | B, string>, series.count);
  }

  /**
   * The histogram's `collect`: its records rebuilt from the counts. prom-client has no public way to
   * set a histogram's buckets, so this writes the record its `observe` would have left (prom-client
   * 15's `hashMap`); test/observability/metrics-hot-path.test.ts compares a scrape's exact text, so
   * a prom-client that keeps them otherwise fails there, not in production.
   */
  collectHistogram(histogram: Histogram<A | B>): void {
    const records: Record<string, HistogramRecord> = {};
    for (const [index, series] of this.#series.entries()) {
      const bucketValues: Record<number, number> = {};
      for (const [bucket, bound] of this.#buckets.entries()) bucketValues[bound] = series.perBucket[bucket]!;
      records[`#${index}`] = { labels: series.labels, bucketValues, sum: series.sum, count: series.count };
    }
    (histogram as unknown as { hashMap: Record<string, HistogramRecord> }).hashMap = records;
  }

  #seriesOf(first: string, second: string): Series {
    let seconds = this.#byFirst.get(first);
    if (!seconds) {
      seconds = new Map();
      this.#byFirst.set(first, seconds);
    }
    let series = seconds.get(second);
    if (!series) {
      const [firstName, secondName] = this.#labelNames;
      series = { labels: { [firstName]: first, [secondName]: second }, count: 0, sum: 0, perBucket: this.#buckets.map(() => 0) };
      seconds.set(second, series);
      this.#series.push(series);
    }
    return series;
  }
}
