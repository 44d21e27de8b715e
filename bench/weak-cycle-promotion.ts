/**
 * `npx tsx bench/weak-cycle-promotion.ts`: what V8's scavenges (minor GCs) of this Node keep alive
 * that a full GC would free. 10,000 short-lived objects of ~1 KiB each are made garbage at once,
 * held in five ways; after two forced scavenges, whatever was kept has been promoted to the old
 * generation (until the next full GC). Only the plain and the acyclic WeakMap cases die young: a
 * WeakMap value that reaches its own key, a FinalizationRegistry target and a live WeakRef's
 * target are all promoted (bench/README.md § "Sixth session: what is promoted").
 */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
const oldSpaceUsed = (): number => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')!.space_used_size;

type Holder = (key: object, value: { key?: object }) => void;

function promotedKiB(hold: Holder): number {
  gc();
  const before = oldSpaceUsed();
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 2000; i++) hold({ id: i }, { payload: new Array(100).fill(i) } as { key?: object });
    gc({ type: 'minor' });
    gc({ type: 'minor' });
  }
  return Math.round((oldSpaceUsed() - before) / 1024);
}

const weakMap = new WeakMap<object, object>();
const registry = new FinalizationRegistry<number>(() => {});
const weakRefs: Array<WeakRef<object>> = [];
const cases: Record<string, Holder> = {
  'plain garbage': () => {},
  'WeakMap, value does not reach its key': (key, value) => void weakMap.set(key, value),
  'WeakMap, value reaches its key': (key, value) => void weakMap.set(key, Object.assign(value, { key })),
  'FinalizationRegistry target': (_key, value) => registry.register(value, 1),
  'live WeakRef target': (_key, value) => void weakRefs.push(new WeakRef(value)),
};
console.log(`Node ${process.version}: old space grown by 10,000 dead ~1 KiB objects after two scavenges`);
for (const [name, hold] of Object.entries(cases)) console.log(`${String(promotedKiB(hold)).padStart(7)} KiB  ${name}`);
