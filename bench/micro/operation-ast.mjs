// node bench/micro/operation-ast.mjs: getOperationAST on S1's document against a WeakMap memo of it; CPU ns per call.
/* global process, console */
import { parse, getOperationAST } from '../../node_modules/graphql/index.mjs';
const doc = parse('query S1($after: String) { products(first: 20, after: $after) { nodes { id name price { amount currency formatted } inventory { available status } } } }');
const memo = new WeakMap();
const memoOf = (d, n) => { const k = memo.get(d); if (k && k.n === n) return k.o; const o = getOperationAST(d, n); memo.set(d, { n, o }); return o; };
const N = 3e6; let sink = 0;
const run = (f) => { const t = process.cpuUsage(); for (let i = 0; i < N; i++) sink += f(doc, i & 1 ? 'S1' : undefined) ? 1 : 0; const u = process.cpuUsage(t); return (u.user + u.system) * 1000 / N; };
const a = [], b = [];
for (let r = 0; r < 10; r++) { a.push(run(getOperationAST)); b.push(run(memoOf)); }
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
console.log(`getOperationAST ${med(a).toFixed(1)} ns/call, WeakMap memo ${med(b).toFixed(1)} ns/call`, sink > 0);
