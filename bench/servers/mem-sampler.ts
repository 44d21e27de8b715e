import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';

/**
 * Preloaded into a bench server with `--import` when BENCH_MEM_FILE is set (bench/cpu-ab.ts
 * `--mem`): samples `process.memoryUsage()` and V8's heap spaces every 100 ms and, when the
 * process exits (and at each new peak, as a server killed on a slow stop never exits cleanly),
 * writes the sample taken at the highest RSS plus each field's own maximum to BENCH_MEM_FILE, so
 * a peak RSS can be split into heap (by space), external and the rest.
 */
const file = process.env.BENCH_MEM_FILE;
const MIB = 1024 * 1024;

type Sample = Record<string, number>;

function sample(): Sample {
  const usage = process.memoryUsage();
  const row: Sample = { rss: usage.rss, heapTotal: usage.heapTotal, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers };
  for (const space of v8.getHeapSpaceStatistics()) row[`${space.space_name}.size`] = space.space_size;
  return row;
}

const inMiB = (row: Sample): Sample => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Math.round((value / MIB) * 10) / 10]));

if (file) {
  let atPeak = sample();
  const maxima: Sample = { ...atPeak };
  const write = (): void => writeFileSync(file, JSON.stringify({ atPeakRss: inMiB(atPeak), maxima: inMiB(maxima) }));
  const timer = setInterval(() => {
    const row = sample();
    for (const [key, value] of Object.entries(row)) maxima[key] = Math.max(maxima[key] ?? 0, value);
    // Only a new peak by at least 1 MiB is written, so the file costs nothing once RSS levels off.
    if (row.rss! <= atPeak.rss! + MIB) return;
    atPeak = row;
    write();
  }, 100);
  timer.unref();
  process.on('exit', write);
}
