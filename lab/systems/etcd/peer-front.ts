// The front at an etcd member's advertised peer address, which makes per-pair links possible: etcd
// hashes a member's peer URLs into its id, so every member dials a peer at one shared address, and raft
// sends each message over whichever side's connection works (its stream or the other's pipeline). The
// front reads the sender's id from the first request's X-Server-From header and hands the connection to
// the proxy of that pair, so cutting the pair's two proxies cuts the pair and nothing else.
import { createHash } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { PeerFront } from '../index.js';
import { clusterToken } from './launch.js';

/** A request head longer than this has no X-Server-From worth waiting for: the fallback gets it. */
const headBytesMax = 16 * 1024;
const senderPattern = /\r\nx-server-from:\s*([0-9a-f]+)\r\n/i;

/** etcd's member id for a static bootstrap: sha1 of its sorted peer URLs and the cluster token, first 8 bytes. */
export function memberId(peerUrls: readonly string[], token: string): string {
  const hash = createHash('sha1').update([...peerUrls].sort().join('') + token).digest();
  return hash.readBigUInt64BE(0).toString(16);
}

/**
 * A request that names no sender (etcd's prober, version and member checks) gets `Connection: close`:
 * etcd's prober shares its HTTP pool with the raft pipeline, so a kept-alive connection that went to
 * the fallback would later carry raft messages past the pair's proxy.
 */
function closingAfterOne(head: Buffer): Buffer {
  const lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) return head;
  return Buffer.concat([head.subarray(0, lineEnd + 2), Buffer.from('Connection: close\r\n', 'latin1'), head.subarray(lineEnd + 2)]);
}

function splice(incoming: Socket, head: Buffer, upstreamAddress: string): void {
  const colon = upstreamAddress.lastIndexOf(':');
  const upstream = connect({ host: upstreamAddress.slice(0, colon), port: Number(upstreamAddress.slice(colon + 1)) });
  const closeBoth = (): void => {
    incoming.destroy();
    upstream.destroy();
  };
  upstream.once('error', closeBoth).once('close', closeBoth);
  incoming.once('error', closeBoth).once('close', closeBoth);
  upstream.write(head);
  incoming.pipe(upstream).pipe(incoming);
  incoming.resume();
}

/** Starts the front of one member on host, port 0; routes are added once every pair's proxy exists. */
export async function startPeerFront(context: { id: string; host: string; seed: number }): Promise<PeerFront> {
  const routes = new Map<string, string>();
  let fallback: string | undefined;
  const sockets = new Set<Socket>();
  const token = clusterToken(context.seed);
  const server = createServer((incoming) => {
    sockets.add(incoming);
    incoming.once('close', () => sockets.delete(incoming));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const text = head.toString('latin1');
      const ended = text.includes('\r\n\r\n') || head.length > headBytesMax;
      if (!ended) return;
      incoming.off('data', onData);
      incoming.pause();
      const sender = senderPattern.exec(text)?.[1]?.toLowerCase();
      const upstream = (sender === undefined ? undefined : routes.get(sender)) ?? fallback;
      if (upstream === undefined) incoming.destroy();
      else splice(incoming, sender === undefined ? closingAfterOne(head) : head, upstream);
    };
    incoming.on('data', onData);
    incoming.once('error', () => incoming.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ host: context.host, port: 0 }, resolve));
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
  return {
    address: `${context.host}:${port}`,
    route: (from, proxyAddress) => void routes.set(memberId([`http://${from.advertise}`], token), proxyAddress),
    fallback: (proxyAddress) => void (fallback = proxyAddress),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
