// The embedded server's seeding: the same seed gives the same decision log byte for byte, another
// seed another log, a reseeded server the log of a fresh one; and its standalone command serves the API. Seeds are named in the titles.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToxiproxyAdapter } from '../adapter.js';
import { EchoClient, startEchoServer } from '../_testing/harness.js';
import type { EchoServer } from '../_testing/harness.js';
import { EmbeddedToxiproxyServer } from './server.js';

const connectionCount = 16;
const waitMs = 3_000;

let echo: EchoServer;
beforeAll(async () => {
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.close();
});

/** Toxics with toxicity 0.5, jitter and slicing on proxy b1-b2, then connections one after another; the log. */
async function session(adapter: ToxiproxyAdapter, listen: string, connections = connectionCount): Promise<string> {
  // Each direction sees one 64-byte chunk per round trip, so the number of draws does not depend on TCP.
  await adapter.addToxic('b1-b2', { name: 'shaky', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 2, jitter: 2 } });
  await adapter.addToxic('b1-b2', { name: 'pieces', type: 'slicer', toxicity: 0.5, attributes: { average_size: 8, size_variation: 4, delay: 0 } });
  for (let index = 0; index < connections; index += 1) {
    const client = await EchoClient.connect(listen);
    await client.roundTrip(64, waitMs);
    client.close();
  }
  return JSON.stringify(await adapter.decisions());
}

async function decisionLog(seed: number): Promise<string> {
  const server = await EmbeddedToxiproxyServer.start({ seed });
  try {
    const adapter = new ToxiproxyAdapter(server.url);
    const { listen } = await adapter.createProxy({ name: 'b1-b2', listen: '127.0.0.1:0', upstream: echo.address });
    return await session(adapter, listen);
  } finally {
    await server.close();
  }
}

describe('embedded server seeding', () => {
  it('gives the same decision log, byte for byte, for the same seed (seed 42)', async () => {
    const first = await decisionLog(42);
    const second = await decisionLog(42);
    expect(second).toBe(first);
    const decisions = (JSON.parse(first) as { decisions: { kind: string; applied?: boolean }[] }).decisions;
    const rolls = decisions.filter((decision) => decision.kind === 'toxicity');
    expect(rolls).toHaveLength(connectionCount * 2);
    // With toxicity 0.5 over 32 rolls, both outcomes occur.
    expect(new Set(rolls.map((roll) => roll.applied))).toEqual(new Set([true, false]));
    expect(decisions.some((decision) => decision.kind === 'jitter')).toBe(true);
    expect(decisions.some((decision) => decision.kind === 'slice')).toBe(true);
  });

  it('gives another log for another seed (seeds 42 and 43)', async () => {
    expect(await decisionLog(43)).not.toBe(await decisionLog(42));
  });

  it('after POST /faultline/seed decides as a fresh server with that seed (seeds 7, then -42)', async () => {
    const fresh = await decisionLog(-42);
    const server = await EmbeddedToxiproxyServer.start({ seed: 7 });
    try {
      const adapter = new ToxiproxyAdapter(server.url);
      const { listen } = await adapter.createProxy({ name: 'b1-b2', listen: '127.0.0.1:0', upstream: echo.address });
      // An earlier run: other draws, toxic generations and ordinals, and a connection it leaves open.
      expect(await session(adapter, listen, 5)).not.toBe(fresh);
      await adapter.removeToxic('b1-b2', 'shaky');
      await adapter.addToxic('b1-b2', { name: 'shaky', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 2, jitter: 2 } });
      const lingering = await EchoClient.connect(listen);
      await lingering.roundTrip(64, waitMs);

      await adapter.reseed(-42);
      // The reseed closes what was open (its ordinal belongs to the old run), keeps the proxy, drops the toxics.
      expect(await lingering.ended(waitMs)).not.toBe('open');
      expect((await adapter.getProxy('b1-b2')).toxics).toEqual([]);
      expect((await adapter.decisions()).decisions).toEqual([]);
      expect(await session(adapter, listen)).toBe(fresh);
    } finally {
      await server.close();
    }
  });

  it('refuses a seed that is neither text nor a safe integer', async () => {
    const server = await EmbeddedToxiproxyServer.start({ seed: 1 });
    try {
      const post = (body: string): Promise<number> => fetch(`${server.url}/faultline/seed`, { method: 'POST', body }).then((reply) => reply.status);
      expect(await post('{"seed": 1.5}')).toBe(400);
      expect(await post('{}')).toBe(400);
      expect(await post('{"seed": -9007199254740991}')).toBe(200);
      expect((await new ToxiproxyAdapter(server.url).decisions()).seed).toBe('-9007199254740991');
    } finally {
      await server.close();
    }
  });
});

describe('faultline toxiproxy', () => {
  it('serves the API on the port it prints and stops on SIGTERM (seed 5)', async () => {
    const bin = fileURLToPath(new URL('../../../bin/faultline.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'toxiproxy', '--port', '0', '--seed', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (data: Buffer) => {
          text += data.toString('utf8');
          if (text.includes('\n')) resolve(text);
        });
        child.once('exit', () => reject(new Error(`exited before listening: ${text}`)));
      });
      const url = /listening on (http:\/\/[\d.]+:\d+)/.exec(line)?.[1];
      expect(url).toBeDefined();
      const adapter = new ToxiproxyAdapter(url ?? '');
      await adapter.createProxy({ name: 'standalone', listen: '127.0.0.1:0', upstream: echo.address });
      expect((await adapter.listProxies()).map((proxy) => proxy.name)).toEqual(['standalone']);
      expect((await adapter.decisions()).seed).toBe('5');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
