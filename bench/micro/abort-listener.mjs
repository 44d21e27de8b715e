// node bench/micro/abort-listener.mjs: a client-disconnect listener on Yoga's request signal (EventTarget) against one on the Node response (EventEmitter), per request.
/* global process, console */
import { createCustomAbortControllerSignal } from '../../node_modules/@whatwg-node/server/esm/utils.js';
import { ServerResponse, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
const N = 20000;
function signalWay() {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const ctrl = createCustomAbortControllerSignal(); // made per request by whatwg-node either way
    const signal = ctrl.signal;
    const cancel = () => {};
    if (signal.aborted) cancel(); else signal.addEventListener('abort', cancel, { once: true });
    signal.removeEventListener('abort', cancel);
  }
  const u = process.cpuUsage(t); return (u.user + u.system) * 1000 / N;
}
function baseline() {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) { const ctrl = createCustomAbortControllerSignal(); const signal = ctrl.signal; if (signal.aborted) throw 0; }
  const u = process.cpuUsage(t); return (u.user + u.system) * 1000 / N;
}
const res = new ServerResponse(new IncomingMessage(new Socket()));
function emitterWay() {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const ctrl = createCustomAbortControllerSignal(); const signal = ctrl.signal;
    const cancel = () => {};
    if (signal.aborted) cancel(); else res.once('close', cancel);
    res.off('close', cancel);
  }
  const u = process.cpuUsage(t); return (u.user + u.system) * 1000 / N;
}
const a = [], b = [], c = [];
for (let r = 0; r < 20; r++) { a.push(signalWay()); b.push(emitterWay()); c.push(baseline()); }
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
console.log(`signal listener ${med(a).toFixed(0)} ns, res listener ${med(b).toFixed(0)} ns, no listener ${med(c).toFixed(0)} ns (each including the signal's creation)`);
