/**
 * `npm run docs:trace-picture`: regenerates docs/images/degraded-trace.png, the span tree of one
 * degraded request as Ballast really exported it (docs/operations.md, "Tracing"). A real Ballast
 * over the demo services exports OTLP/HTTP to a real receiver here; pricing answers 503 to every
 * attempt (its price was seen before, so it is served STALE) and inventory hangs (its field takes
 * the DEFAULT after the attempt timeout). The spans are drawn as an HTML waterfall and screenshot
 * with headless Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { activeTracing, startTracing, stopTracing } from '../src/observability/tracing.js';
import { startHarness } from '../test/helpers/harness.js';
import { spansIn, startOtlpReceiver } from '../test/helpers/otlp.js';
import type { ExportedSpan } from '../test/helpers/otlp.js';

export const OUTPUT = 'docs/images/degraded-trace.png';
const QUERY = 'query ProductPage { product(id: "p-0001") { name price { formatted } inventory { available status } } }';
/** Warms the price alone, so the degraded request has a STALE price but no stale inventory (DEFAULT). */
const WARM_QUERY = 'query PriceOnly { product(id: "p-0001") { name price { formatted } } }';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN_ID = 'b7ad6b7169203331';
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Runs the degraded request against a real Ballast and returns its exported spans and answer. */
async function traceDegradedRequest(): Promise<{ spans: ExportedSpan[]; answer: unknown }> {
  const receiver = await startOtlpReceiver();
  // The SDK reads these from process.env itself; every new trace is sampled, exported within 20 ms.
  Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'always_on', OTEL_BSP_SCHEDULE_DELAY: '20', OTEL_SERVICE_NAME: 'ballast' });
  await startTracing(process.env);
  const harness = await startHarness({ sources: { inventory: { timeoutMs: 300 } } });
  try {
    const warm = await harness.query(WARM_QUERY);
    if (warm.body.extensions?.degraded) throw new Error('the warm-up request was degraded: the picture would not show a STALE price');
    harness.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    harness.service('inventory').setFault({ hang: true });
    const { body } = await harness.query(QUERY, undefined, { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01` });
    await activeTracing()?.flush();
    const spans = spansIn(receiver.bodies).filter((span) => span.traceId === TRACE_ID);
    if (!spans.some((span) => span.kind === 2)) throw new Error('the request span was not exported');
    return { spans, answer: body };
  } finally {
    harness.reset();
    await harness.close();
    await stopTracing();
    receiver.server.close();
  }
}

const ms = (nanos: string, origin: bigint): number => Number(BigInt(nanos) - origin) / 1e6;

/** Depth-first from the request span, children in start order: the rows of the waterfall. */
function rowsOf(spans: ExportedSpan[]): Array<{ span: ExportedSpan; depth: number }> {
  const ids = new Set(spans.map((span) => span.spanId));
  const byStart = (a: ExportedSpan, b: ExportedSpan) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1);
  const rows: Array<{ span: ExportedSpan; depth: number }> = [];
  const visit = (span: ExportedSpan, depth: number): void => {
    rows.push({ span, depth });
    for (const child of spans.filter((other) => other.parentSpanId === span.spanId).sort(byStart)) visit(child, depth + 1);
  };
  for (const root of spans.filter((span) => !ids.has(span.parentSpanId)).sort(byStart)) visit(root, 0);
  return rows;
}

const escape = (text: string): string => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
const KIND_CLASS: Record<number, string> = { 1: 'internal', 2: 'server', 3: 'client' };
const SHOWN_ATTRIBUTES = ['error.type', 'http.response.status_code', 'http.request.resend_count', 'ballast.call.budget_ms', 'ballast.attempt.timeout_ms'];

function eventText(event: ExportedSpan['events'][number], atMs: number): string {
  const attributes = Object.entries(event.attributes).map(([key, value]) => `${key.replace(/^ballast\./, '')}=${String(value)}`);
  return `◆ ${atMs.toFixed(0)} ms ${event.name}${attributes.length ? ` (${attributes.join(', ')})` : ''}`;
}

/** One row: the name (indented by depth), the bar on the shared time axis, its events below. */
function rowHtml(span: ExportedSpan, depth: number, origin: bigint, totalMs: number): string {
  const start = ms(span.startTimeUnixNano, origin);
  const duration = ms(span.endTimeUnixNano, origin) - start;
  const left = (start / totalMs) * 100;
  const width = Math.max((duration / totalMs) * 100, 0.3);
  const failed = span.status.code === 2 ? ' error' : '';
  const facts = SHOWN_ATTRIBUTES.filter((key) => key in span.attributes).map((key) => `${key}=${String(span.attributes[key])}`);
  const eventTimes = span.eventTimesUnixNano.map((time) => ms(time, origin));
  const markers = eventTimes.map((at) => `<span class="marker" style="left:${(at / totalMs) * 100}%"></span>`).join('');
  const events = span.events.map((event, index) => `<div class="event">${escape(eventText(event, eventTimes[index]!))}</div>`).join('');
  return `<div class="row">
  <div class="name" style="padding-left:${depth * 18}px"><b>${escape(span.name)}</b><div class="facts">${escape(facts.join('  '))}</div></div>
  <div class="lane"><div class="bar ${KIND_CLASS[span.kind] ?? 'internal'}${failed}" style="left:${left}%;width:${width}%"></div>${markers}
    <span class="duration" style="left:${Math.min(left + width, 88)}%">${duration.toFixed(1)} ms</span>${events}</div>
</div>`;
}

export function renderWaterfall(spans: ExportedSpan[], answer: unknown): string {
  const origin = spans.map((span) => BigInt(span.startTimeUnixNano)).reduce((a, b) => (b < a ? b : a));
  const totalMs = Math.max(...spans.map((span) => ms(span.endTimeUnixNano, origin))) * 1.02;
  const ticks = Array.from({ length: 5 }, (_, index) => (totalMs / 5) * index);
  const degraded = (answer as { extensions?: { degraded?: unknown } }).extensions?.degraded;
  return `<!doctype html><meta charset="utf-8"><style>
body { font: 13px system-ui, sans-serif; margin: 16px; width: 1240px; color: #222; }
h1 { font-size: 16px; margin: 0 0 4px; } .sub { color: #555; margin-bottom: 12px; }
.row { display: flex; border-top: 1px solid #eee; padding: 5px 0; }
.name { width: 330px; flex: none; } .facts { color: #666; font-size: 11px; }
.lane { position: relative; flex: 1; min-height: 22px; }
.bar { position: absolute; top: 2px; height: 14px; border-radius: 3px; }
.server { background: #4c78a8; } .internal { background: #8e6cbf; } .client { background: #54a24b; }
.error { background: #e45756; }
.marker { position: absolute; top: 0; width: 9px; height: 9px; margin-left: -5px; background: #f2b701; transform: rotate(45deg); border: 1px solid #333; }
.duration { position: absolute; top: 1px; margin-left: 6px; font-size: 11px; color: #333; }
.event { margin-top: 20px; font-size: 11px; color: #7a4f00; } .event + .event { margin-top: 1px; }
.axis { display: flex; margin-left: 330px; position: relative; height: 16px; color: #888; font-size: 11px; }
.axis span { position: absolute; } pre { background: #f6f6f6; padding: 8px; font-size: 11px; white-space: pre-wrap; }
.legend span { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 12px; border-radius: 2px; }
</style>
<h1>One degraded request, as Ballast exported it (OTLP/HTTP)</h1>
<div class="sub">${escape(QUERY)}<br>pricing answers 503 to every attempt (price served STALE); inventory hangs (300 ms attempt timeout, DEFAULT)
<span class="legend"><span class="server"></span>request <span class="internal"></span>call <span class="client"></span>HTTP attempt <span class="error"></span>failed <span class="marker" style="position:static;display:inline-block;transform:rotate(45deg)"></span> event</span></div>
<div class="axis">${ticks.map((tick) => `<span style="left:${(tick / totalMs) * 100}%">${tick.toFixed(0)} ms</span>`).join('')}</div>
${rowsOf(spans).map(({ span, depth }) => rowHtml(span, depth, origin, totalMs)).join('\n')}
<div class="sub" style="margin-top:12px">The answer's <code>extensions.degraded</code>:</div><pre>${escape(Array.isArray(degraded) ? degraded.map((entry) => JSON.stringify(entry)).join('\n') : String(degraded))}</pre>`;
}

async function screenshot(html: string, path: string): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: set CHROMIUM_PATH`);
  // The same flags as the browser tests: without them Chromium phones home at start.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1272, height: 400 } });
    await page.setContent(html);
    await page.screenshot({ path, fullPage: true });
  } finally {
    await browser.close();
  }
}

if (process.argv[1]?.endsWith('trace-picture.ts')) {
  const { spans, answer } = await traceDegradedRequest();
  const html = renderWaterfall(spans, answer);
  mkdirSync('docs/images', { recursive: true });
  await screenshot(html, OUTPUT);
  console.log(`wrote ${OUTPUT} (${spans.length} spans)`);
}
