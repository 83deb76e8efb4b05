// The peer front on plain sockets: a connection goes to the proxy of its sender's pair, one that names
// no sender goes to the fallback with Connection: close, and member ids are etcd's.
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { memberId, startPeerFront } from './peer-front.js';
import type { PeerFront } from '../index.js';

/** A server that records the first bytes of each connection, then answers and closes. */
async function upstream(): Promise<{ address: string; heads: string[]; server: Server }> {
  const heads: string[] = [];
  const server = createServer((socket) => {
    socket.once('data', (chunk) => {
      heads.push(chunk.toString('latin1'));
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const bound = server.address();
  return { address: `127.0.0.1:${typeof bound === 'object' && bound !== null ? bound.port : 0}`, heads, server };
}

async function request(address: string, head: string): Promise<string> {
  const response = await fetch(`http://${address}/raft`, { headers: head.length > 0 ? { 'X-Server-From': head } : {} });
  return String(response.status);
}

describe('the etcd peer front', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('hands a connection to the proxy of its sender, and one with no sender to the fallback, closing after it', async () => {
    const [pair, fallback] = [await upstream(), await upstream()];
    const front: PeerFront = await startPeerFront({ id: 'n2', host: '127.0.0.1', seed: 7 });
    closers.push(() => front.close(), () => new Promise((resolve) => pair.server.close(resolve)), () => new Promise((resolve) => fallback.server.close(resolve)));
    front.route({ id: 'n1', advertise: '127.0.0.1:30001' }, pair.address);
    front.fallback(fallback.address);
    const sender = memberId(['http://127.0.0.1:30001'], 'faultline-7');
    expect(await request(front.address, sender)).toBe('200');
    expect(await request(front.address, '')).toBe('200');
    expect(pair.heads).toHaveLength(1);
    expect(pair.heads[0]).toMatch(new RegExp(`x-server-from: ${sender}`, 'i'));
    expect(fallback.heads).toHaveLength(1);
    expect(fallback.heads[0]).toMatch(/^GET \/raft HTTP\/1\.1\r\nConnection: close\r\n/);
  });

  it("computes etcd's member id: sha1 of the sorted URLs and the token, first 8 bytes in hex", () => {
    // Order does not matter, and the token is part of the id.
    expect(memberId(['http://b', 'http://a'], 't')).toBe(memberId(['http://a', 'http://b'], 't'));
    expect(memberId(['http://a'], 't1')).not.toBe(memberId(['http://a'], 't2'));
    expect(memberId(['http://a'], 't')).toMatch(/^[0-9a-f]{1,16}$/);
  });
});
