// Loopback ports: pick a free one before a node starts, and probe whether anything still listens.
// Try: `await freeLoopbackPort()` then `await isListening('127.0.0.1', port)`.
import { connect, createServer } from 'node:net';

export const loopbackHost = '127.0.0.1';
const probeTimeoutMs = 1_000;

// Node ports are chosen below Linux's ephemeral range (32768 and up by default), so an outgoing
// connection can never take a port between the moment it is found free and the moment the node binds
// it. Each process starts at its own offset in the range, so concurrent test workers rarely probe alike.
const portRangeStart = 20_000;
const portRangeSize = 12_000;
let nextPortOffset = (process.pid * 7_919) % portRangeSize;

function tryBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: loopbackHost, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A free port on 127.0.0.1 below the ephemeral range, released for a node to bind. */
export async function freeLoopbackPort(): Promise<number> {
  for (let attempt = 0; attempt < portRangeSize; attempt += 1) {
    const port = portRangeStart + nextPortOffset;
    nextPortOffset = (nextPortOffset + 1) % portRangeSize;
    if (await tryBind(port)) return port;
  }
  throw new Error(`no free port on ${loopbackHost} from ${portRangeStart} to ${portRangeStart + portRangeSize - 1}`);
}

/** True when a TCP connect to host:port succeeds; false when it is refused or times out. */
export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (listening: boolean): void => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(probeTimeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Splits "127.0.0.1:4000" into its host and port. */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error(`not a host:port address: '${address}'`);
  }
  return { host: address.slice(0, colon), port };
}
