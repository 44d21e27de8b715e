/**
 * The dashboard: one HTML document with its CSS and script inline, so it works offline and loads
 * nothing from any other host. It polls /dashboard/status.json every second.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ballast · resilience dashboard</title>
<link rel="icon" href="data:,">
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2430; background: #f5f6f8; }
  body { margin: 0; padding: 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .sub { color: #667; margin-bottom: 20px; font-size: 13px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 16px; }
  .card { background: #fff; border-radius: 10px; padding: 14px 16px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  .card h2 { font-size: 16px; margin: 0; display: flex; align-items: center; gap: 8px; }
  .kind { font-size: 11px; color: #667; font-weight: normal; }
  .state { margin-left: auto; font-size: 12px; padding: 2px 8px; border-radius: 10px; color: #fff; }
  .state.CLOSED { background: #2e8b57; } .state.OPEN { background: #c0392b; } .state.HALF_OPEN { background: #d68910; } .state.DISABLED { background: #888; }
  dl { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px 10px; margin: 12px 0 8px; }
  dt { font-size: 11px; color: #667; } dd { margin: 0; font-size: 15px; font-variant-numeric: tabular-nums; }
  canvas { width: 100%; height: 60px; display: block; }
  .faults { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 10px; }
  .faults button { font-size: 12px; border: 1px solid #ccd; background: #fafbfc; border-radius: 6px; padding: 3px 8px; cursor: pointer; }
  .faults button.clear { border-color: #2e8b57; color: #2e8b57; }
  .faults button.active { background: #c0392b; border-color: #c0392b; color: #fff; }
  .active-fault { font-size: 12px; color: #c0392b; margin-top: 6px; min-height: 15px; }
  h2.samples-title { font-size: 16px; margin: 24px 0 0; }
  .empty { color: #667; font-size: 13px; margin: 8px 0 0; }
  table { width: 100%; border-collapse: collapse; font-size: 12px; margin-top: 8px; background: #fff; border-radius: 10px; overflow: hidden; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #eef; } th { background: #eef1f5; }
  .error { color: #c0392b; }
</style>
</head>
<body>
<h1>Ballast · resilience dashboard</h1>
<div class="sub">Live per source: breaker state, request rate, error %, latency, retries and fallbacks over the last 10 s; the chart shows calls (blue) and failures (red) per 5 s over 5 minutes. <span id="updated"></span> <span id="problem" class="error"></span></div>
<div class="grid" id="sources"></div>
<h2 class="samples-title">Recent upstream failures</h2>
<p class="empty" id="samples-empty">No failed upstream calls yet: break a source with the buttons above, or wait for a real one to fail.</p>
<table><thead><tr><th>time</th><th>source</th><th>request</th><th>reason</th><th>status</th><th>latency</th><th>body</th></tr></thead><tbody id="samples"></tbody></table>
<script>
const FAULTS = [
  ['Hang', { hang: true }], ['500s', { errorRate: 1, errorStatus: 500 }], ['503 + Retry-After', { errorRate: 1, errorStatus: 503, retryAfterSeconds: 1 }],
  ['Reset', { reset: true }], ['Bad JSON', { malformedJson: true }], ['HTML 200', { htmlError: true }], ['Slow 1.5 s', { latencyMs: 1500 }],
];
const cards = new Map();
function el(tag, attrs, children) {
  const node = document.createElement(tag);
  const { dataset, ...properties } = attrs || {};
  Object.assign(node, properties);
  Object.assign(node.dataset, dataset || {});
  for (const child of children || []) node.append(child);
  return node;
}
function card(source, faultControl) {
  const stateBadge = el('span', { className: 'state' });
  const fields = {};
  const dl = el('dl');
  for (const [key, label] of [['rps', 'req/s'], ['err', 'error %'], ['p50', 'p50 ms'], ['p95', 'p95 ms'], ['retries', 'retries'], ['STALE', 'stale'], ['DEFAULT', 'default'], ['NULL', 'null']]) {
    fields[key] = el('dd', { textContent: '–' });
    dl.append(el('div', {}, [el('dt', { textContent: label }), fields[key]]));
  }
  const canvas = el('canvas', { width: 600, height: 60 });
  const activeFault = el('div', { className: 'active-fault' });
  const root = el('div', { className: 'card', id: 'source-' + source.name }, [
    el('h2', {}, [source.name, el('span', { className: 'kind', textContent: source.kind + (source.critical ? ' · critical' : '') }), stateBadge]),
    dl, canvas, activeFault,
  ]);
  if (faultControl) {
    const buttons = el('div', { className: 'faults' });
    for (const [label, fault] of FAULTS) buttons.append(el('button', { textContent: label, onclick: () => setFault(source.name, fault), dataset: { fault: label } }));
    buttons.append(el('button', { textContent: 'Clear', className: 'clear', onclick: () => clearFault(source.name), dataset: { fault: 'Clear' } }));
    root.append(buttons);
  }
  return { root, stateBadge, fields, canvas, activeFault, buttons: root.querySelectorAll('.faults button') };
}
function sameFault(a, b) {
  const keys = Object.keys(a).sort();
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
/** The button label of the injected fault, or its settings in words for one set some other way. */
function describeFault(fault) {
  const known = FAULTS.find(([, settings]) => sameFault(settings, fault));
  return known ? known[0] : Object.entries(fault).map(([key, value]) => key + ' ' + JSON.stringify(value)).join(', ');
}
async function setFault(name, fault) {
  await fetch('/dashboard/faults/' + name, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  refresh();
}
async function clearFault(name) {
  await fetch('/dashboard/faults/' + name, { method: 'DELETE' });
  refresh();
}
function draw(canvas, history) {
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const max = Math.max(1, ...history.map((point) => point.calls));
  const barWidth = width / history.length;
  history.forEach((point, index) => {
    const callsHeight = (point.calls / max) * (height - 2);
    const errorsHeight = (point.errors / max) * (height - 2);
    context.fillStyle = '#9db7e0';
    context.fillRect(index * barWidth, height - callsHeight, barWidth - 1, callsHeight);
    context.fillStyle = '#c0392b';
    context.fillRect(index * barWidth, height - errorsHeight, barWidth - 1, errorsHeight);
  });
}
function show(value) { return value === null || value === undefined ? '–' : String(value); }
function render(status) {
  const grid = document.getElementById('sources');
  for (const source of status.sources) {
    let view = cards.get(source.name);
    if (!view) {
      view = card(source, status.faultControl);
      cards.set(source.name, view);
      grid.append(view.root);
    }
    // Breakers are per worker: when the workers disagree, say how many are in the worst state.
    const inWorst = (source.breakers || []).filter((breaker) => breaker.state === source.state).length;
    const total = (source.breakers || []).length;
    view.stateBadge.textContent = source.state + (inWorst < total ? ' (' + inWorst + ' of ' + total + ' workers)' : '');
    view.stateBadge.className = 'state ' + source.state;
    view.root.dataset.state = source.state;
    const stats = source.stats;
    view.fields.rps.textContent = show(stats.requestsPerSecond);
    view.fields.err.textContent = show(stats.errorPercentage);
    view.fields.p50.textContent = show(stats.p50Ms);
    view.fields.p95.textContent = show(stats.p95Ms);
    view.fields.retries.textContent = show(stats.retries);
    for (const kind of ['STALE', 'DEFAULT', 'NULL']) view.fields[kind].textContent = show(stats.fallbacks[kind]);
    const active = source.fault && Object.keys(source.fault).length ? source.fault : null;
    view.activeFault.textContent = active ? 'Injected fault: ' + describeFault(active) : '';
    for (const button of view.buttons) {
      const fault = FAULTS.find(([label]) => label === button.dataset.fault);
      const pressed = button.dataset.fault === 'Clear' ? !active : !!(active && fault && sameFault(fault[1], active));
      button.classList.toggle('active', pressed && button.dataset.fault !== 'Clear');
      button.setAttribute('aria-pressed', String(pressed));
    }
    draw(view.canvas, stats.history);
  }
  document.getElementById('updated').textContent = 'Updated ' + new Date(status.generatedAt).toLocaleTimeString() + (status.draining ? ' · draining' : '');
}
function renderSamples(samples) {
  const body = document.getElementById('samples');
  document.getElementById('samples-empty').hidden = samples.length > 0;
  body.replaceChildren(...samples.slice(-15).reverse().map((sample) => el('tr', {}, [
    el('td', { textContent: new Date(sample.at).toLocaleTimeString() }), el('td', { textContent: sample.source }),
    el('td', { textContent: sample.request.slice(0, 60) }), el('td', { textContent: sample.reason }),
    el('td', { textContent: show(sample.status) }), el('td', { textContent: sample.latencyMs + ' ms' }),
    el('td', { textContent: (sample.body || '').slice(0, 60) }),
  ])));
}
async function refresh() {
  try {
    const [status, samples] = await Promise.all([fetch('/dashboard/status.json').then((r) => r.json()), fetch('/dashboard/samples.json').then((r) => r.json())]);
    render(status);
    renderSamples(samples.samples);
    document.getElementById('problem').textContent = '';
  } catch (error) {
    document.getElementById('problem').textContent = 'Ballast is not answering: ' + error;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
