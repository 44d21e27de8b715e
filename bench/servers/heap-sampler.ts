import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Preloaded into a bench server with `--import` when BENCH_HEAP_PROFILE is set (bench/cpu-ab.ts
 * `--heap-sampling=DIR`): on SIGUSR2 (sent when the measured load starts) V8's sampling heap
 * profiler starts, keeping the samples of objects a major GC collects but dropping those a
 * scavenge collects; on SIGTERM (the bench stopping the server) one more scavenge drops what died
 * young since the last one and the profile is written to BENCH_HEAP_PROFILE. What remains is
 * what survived a scavenge during the load, i.e. what the server promotes to the old generation,
 * by allocation site (read it with bench/heap-sampling-summary.ts). The inspector session of the
 * process itself answers synchronously, so the write completes inside the signal handler.
 */
const file = process.env.BENCH_HEAP_PROFILE;
// Bytes between samples on average: small enough that ~2 MiB promoted per scavenge gives thousands of samples.
const samplingInterval = Number(process.env.BENCH_HEAP_SAMPLING_INTERVAL ?? 1024);
/**
 * BENCH_HEAP_ALL=1 (`cpu-ab.ts --heap-sampling=DIR --heap-all`): keep what scavenges collect too,
 * so the profile is every allocation by site (what the young generation's GC work follows), not
 * only what survived.
 */
const everyAllocation = process.env.BENCH_HEAP_ALL === '1';

/**
 * `gc` without the --expose-gc command line, so the server's flags stay those it is measured with;
 * fetched before sampling starts, as the vm context it takes would otherwise be in the profile.
 */
function exposeGc(): (options: { type: 'minor' | 'major' }) => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void;
}

if (file) {
  const session = new Session();
  session.connect();
  let gc: ReturnType<typeof exposeGc> | undefined;
  process.on('SIGUSR2', () => {
    if (gc) return;
    gc = exposeGc();
    session.post('HeapProfiler.startSampling', { samplingInterval, includeObjectsCollectedByMinorGC: everyAllocation, includeObjectsCollectedByMajorGC: true });
  });
  process.once('SIGTERM', () => {
    if (!gc) return;
    gc({ type: 'minor' });
    session.post('HeapProfiler.getSamplingProfile', (error, result) => {
      if (error) throw error;
      writeFileSync(file, JSON.stringify(result.profile));
    });
    session.post('HeapProfiler.stopSampling');
  });
}
