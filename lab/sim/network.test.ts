// The simulated network against what grpc-js and Toxiproxy do: a channel notices a heal at its next
// reconnect attempt, not at the instant of the heal; removing a latency toxic lets what it held
// through at once; an orderly close still delivers what already left the toxics.
// Run: `CI=true npx vitest run lab/sim/network.test.ts`.
import { status } from '@grpc/grpc-js';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { freeCpuModel } from './cpu.js';
import { SimLoop, SimProcess } from './loop.js';
import { baseLatencyMs, Network } from './network.js';
import type { Link } from './network.js';

function world(): { loop: SimLoop; network: Network; link: Link; server: SimProcess; client: SimProcess } {
  const loop = new SimLoop({ seed: 7, cpu: freeCpuModel });
  const server = new SimProcess('b2');
  const client = new SimProcess('b1');
  const network = new Network(loop, seedrandom('7/network'), { process: (branch) => (branch === 'b2' ? server : undefined) });
  return { loop, network, link: network.link('b1', 'b2'), server, client };
}

describe('a channel reconnects as grpc-js does', () => {
  it('backs off 100 ms, then 1.6 times longer each try (±20 %), and notices a heal at its next try', async () => {
    const { loop, network, link, client } = world();
    const channel = network.channel(link, client, { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1_000 });
    network.setCut(link, 'disable');
    let connectedAt: number | undefined;
    await loop.run(async () => {
      expect(channel.ready()).toBe(false);
      channel.wait(() => (connectedAt = loop.now));
      await loop.sleep(700);
      network.setCut(link, undefined);
      // Healed, but the channel is between tries: a call without waitForReady still fails at once.
      expect(channel.ready()).toBe(false);
      await loop.sleep(2_000);
    });
    const tries = loop.trace.list().filter((line) => line.includes('reconnect b1-b2')).map((line) => (JSON.parse(line) as { t: number }).t);
    // 100, then 160 ± 32, 256 ± 51, 410 ± 82 later: the try that connects is the first after 700 ms.
    expect(tries[0]).toBe(100);
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(128);
    expect(tries[1]! - tries[0]!).toBeLessThanOrEqual(192);
    // The trace keeps microseconds.
    const connected = Math.round((connectedAt ?? 0) * 1000) / 1000;
    expect(connected).toBe(tries.find((at) => at >= 700));
    expect(connected).toBeGreaterThan(700);
    expect(tries.at(-1)).toBe(connected);
    expect(channel.ready()).toBe(true);
  });
});

describe('Toxiproxy lets go of what a toxic held', () => {
  it('delivers what a removed latency toxic held at once, in order, and an orderly close after it still delivers it', async () => {
    const { loop, network, link, server } = world();
    network.addToxic(link, 1, { kind: 'latency', latencyMs: 150, jitterMs: 0 }, 'upstream', 1);
    const arrived: [string, number][] = [];
    await loop.run(async () => {
      for (const name of ['first', 'second']) network.send(link, link.connection, 'up', 10, server, `write ${name}`, () => arrived.push([name, loop.now]));
      await loop.sleep(20);
      network.removeToxic(link, 1);
      // The proxy is disabled in the same instant: the held messages left its toxics already.
      network.setCut(link, 'disable');
      await loop.sleep(500);
    });
    expect(arrived.map(([name]) => name)).toEqual(['first', 'second']);
    for (const [, at] of arrived) expect(at).toBeLessThanOrEqual(20 + 2 * baseLatencyMs);
  });

  it('loses what a reset connection still held', async () => {
    const { loop, network, link, server } = world();
    network.addToxic(link, 1, { kind: 'latency', latencyMs: 150, jitterMs: 0 }, 'upstream', 1);
    const arrived: string[] = [];
    await loop.run(async () => {
      network.send(link, link.connection, 'up', 10, server, 'write held', () => arrived.push('held'));
      await loop.sleep(20);
      network.fail(link, status.UNAVAILABLE, 'Connection reset by peer');
      await loop.sleep(500);
    });
    expect(arrived).toEqual([]);
  });
});

describe('keepalive notices a silent connection as grpc-js does', () => {
  it('when its next ping (every 2 s from the connection\'s start) goes a second unanswered: 1 to 3 s, by phase', async () => {
    const { loop, network, link, server } = world();
    await loop.run(async () => {
      // The link's first connection ends; the next one's pings start when its handshake is done.
      network.setCut(link, 'disable');
      await loop.sleep(1);
      network.setCut(link, undefined);
      let upAt = 0;
      await new Promise<void>((resolve) => {
        network.whenReady(link, link.connection, () => { upAt = loop.now; resolve(); });
      });
      expect(upAt).toBeGreaterThan(1);
      const connection = link.connection;
      expect(connection.pingsFrom).toBe(upAt);
      await loop.sleep(500);
      expect(network.keepaliveNoticeMs(connection)).toBeCloseTo(2_500, 6);
      await loop.sleep(1_499);
      expect(network.keepaliveNoticeMs(connection)).toBeCloseTo(1_001, 6);
      await loop.sleep(2);
      expect(network.keepaliveNoticeMs(connection)).toBeCloseTo(2_999, 6);
      // A timeout toxic silences it: it ends at the next unanswered ping, not 3 s on.
      network.addToxic(link, 1, { kind: 'timeout', timeoutMs: 0 }, 'downstream', 1);
      const silencedAt = loop.now;
      network.send(link, connection, 'up', 10, server, '', () => undefined);
      await loop.sleep(3_500);
      const endedAt = loop.trace.list().map((line) => JSON.parse(line) as { t: number; e: string }).find((event) => event.e === 'keepalive b1-b2')?.t;
      expect(connection.alive).toBe(false);
      expect(endedAt).toBeCloseTo(silencedAt + 2_999, 3);
    });
  });
});
