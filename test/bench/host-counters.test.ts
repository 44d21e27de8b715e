import { describe, expect, it } from 'vitest';
import { busyPercent, parseCoreTimes, parseListenOverflows } from '../../bench/harness/host-counters.js';
import { rememberingExact } from '../../bench/harness/workload.js';
import type { Verdict } from '../../bench/harness/verify.js';
import { LISTEN_BACKLOG } from '../../bench/servers/ready.js';
import { defaultConfig } from '../../src/config-defaults.js';

const STAT = [
  'cpu  300 0 100 900 10 0 5 0 0 0',
  'cpu0 100 0 50 800 10 0 0 0 0 0',
  'cpu1 200 1 50 100 0 2 5 7 0 0',
  'intr 12345',
].join('\n');

describe('the host counters beside a bench row', () => {
  it('reads one core of /proc/stat: busy is user, nice, system, irq, softirq and steal; idle and iowait are not', () => {
    expect(parseCoreTimes(STAT, 1)).toEqual({ busy: 200 + 1 + 50 + 2 + 5 + 7, total: 265 + 100 });
    expect(parseCoreTimes(STAT, 0)).toEqual({ busy: 150, total: 150 + 800 + 10 });
    expect(parseCoreTimes(STAT, 2)).toBeUndefined();
  });

  it('the busy share is the busy jiffies over all jiffies between two readings', () => {
    expect(busyPercent({ busy: 100, total: 1000 }, { busy: 400, total: 1400 })).toBe(75);
    expect(busyPercent(undefined, { busy: 1, total: 2 })).toBeNaN();
    expect(busyPercent({ busy: 1, total: 2 }, { busy: 1, total: 2 })).toBeNaN();
  });

  it('reads ListenOverflows from the TcpExt header and value lines of /proc/net/netstat', () => {
    const netstat = 'TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 3 197655 197656\nIpExt: InNoRoutes\nIpExt: 0\n';
    expect(parseListenOverflows(netstat)).toBe(197655);
    expect(parseListenOverflows('IpExt: InNoRoutes\nIpExt: 0\n')).toBeNaN();
  });
});

describe('the remembered exact answer', () => {
  it('a text found exact for a request is exact again without a check; a bad one is checked every time, and another text is checked', () => {
    const checked: string[] = [];
    const verify = rememberingExact((index, text): Verdict => {
      checked.push(`${index}:${text}`);
      return text === `good-${index}` ? 'exact' : text.startsWith('degraded') ? 'degraded' : 'bad';
    });
    expect([verify(0, 'good-0'), verify(0, 'good-0'), verify(0, 'good-0')]).toEqual(['exact', 'exact', 'exact']);
    expect([verify(0, 'wrong'), verify(0, 'wrong')]).toEqual(['bad', 'bad']);
    // Remembered per request: request 1's good text is not request 0's.
    expect(verify(1, 'good-0')).toBe('bad');
    expect([verify(2, 'degraded'), verify(2, 'degraded')]).toEqual(['degraded', 'degraded']);
    expect(checked).toEqual(['0:good-0', '0:wrong', '0:wrong', '1:good-0', '2:degraded', '2:degraded']);
  });
});

describe("the anchors' listen backlog", () => {
  it("is Ballast's default server.listenBacklog, written as a literal so no anchor loads Ballast's modules", () => {
    expect(LISTEN_BACKLOG).toBe(defaultConfig().server.listenBacklog);
  });
});
