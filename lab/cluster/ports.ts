// Loopback ports: pick a free one before a node starts, and probe whether anything still listens.
// Try: `await freeLoopbackPort()` then `await isListening('127.0.0.1', port)`.
import { connect, createServer } from 'node:net';

export const loopbackHost = '127.0.0.1';
const probeTimeoutMs = 1_000;

/** Asks the kernel for a free port on 127.0.0.1, then releases it for a node to bind. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: loopbackHost, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port was assigned'))));
    });
  });
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
