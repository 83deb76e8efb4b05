// Small real servers and clients to put behind a proxy: a raw TCP echo and a grpc-js server with the
// standard health service. The conformance suite and bench/proxy use them; each one is stopped by its owner.
import { credentials, makeGenericClientConstructor, Server, ServerCredentials } from '@grpc/grpc-js';
import type { ChannelOptions, Client, ServiceDefinition, ServiceError } from '@grpc/grpc-js';
import { HealthImplementation, service as healthService } from 'grpc-health-check';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { findToxiproxyBinary } from '../binary.js';
import type { ProxyBackendKind } from '../types.js';

const loopbackHost = '127.0.0.1';

export interface EchoServer {
  address: string;
  /** Bytes the server received on every connection so far. */
  receivedBytes(): number;
  close(): Promise<void>;
}

/** Sends back every byte it gets; a client half-close is answered with a close. */
export async function startEchoServer(): Promise<EchoServer> {
  const sockets = new Set<Socket>();
  let received = 0;
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      received += data.length;
      socket.write(data);
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen({ host: loopbackHost, port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `${loopbackHost}:${port}`,
    receivedBytes: () => received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type SocketEnd = 'end' | 'reset' | 'error' | 'open';

/** A TCP client that keeps what it receives and how its connection ended. */
export class EchoClient {
  private readonly chunks: Buffer[] = [];
  private receivedTotal = 0;
  private waiters: (() => void)[] = [];
  ending: SocketEnd = 'open';
  errorCode: string | undefined;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      this.chunks.push(data);
      this.receivedTotal += data.length;
      this.wake();
    });
    socket.on('end', () => {
      if (this.ending === 'open') this.ending = 'end';
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.errorCode = error.code;
      this.ending = error.code === 'ECONNRESET' ? 'reset' : 'error';
      this.wake();
    });
    socket.on('close', () => this.wake());
  }

  static connect(address: string): Promise<EchoClient> {
    const colon = address.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
      socket.once('connect', () => resolve(new EchoClient(socket)));
      socket.once('error', reject);
    });
  }

  get received(): number {
    return this.receivedTotal;
  }

  get closed(): boolean {
    return this.socket.destroyed || this.ending !== 'open';
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves when the condition holds, or rejects after timeoutMs. */
  async until(condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms (received ${this.receivedTotal} bytes, ${this.ending})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends `size` bytes and waits for all of them to come back; returns the round trip in ms. */
  async roundTrip(size: number, timeoutMs: number): Promise<number> {
    const target = this.receivedTotal + size;
    const started = performance.now();
    this.socket.write(Buffer.alloc(size, 7));
    await this.until(() => this.receivedTotal >= target || this.closed, timeoutMs);
    if (this.receivedTotal < target) throw new Error(`connection ${this.ending} after ${this.receivedTotal} of ${target} bytes`);
    return performance.now() - started;
  }

  /** Waits until the connection ends (FIN or RST) and says how. */
  async ended(timeoutMs: number): Promise<SocketEnd> {
    await this.until(() => this.closed, timeoutMs);
    return this.ending;
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface HealthServer {
  address: string;
  close(): Promise<void>;
}

/** A grpc-js server with the standard health service answering SERVING. */
export async function startHealthServer(): Promise<HealthServer> {
  const server = new Server();
  new HealthImplementation({ '': 'SERVING' }).addToServer(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${loopbackHost}:0`, ServerCredentials.createInsecure(), (error, bound) => (error === null ? resolve(bound) : reject(error)));
  });
  return {
    address: `${loopbackHost}:${port}`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())).then(() => server.forceShutdown()),
  };
}

interface HealthStub extends Client {
  check(request: { service: string }, options: { deadline: number }, callback: (error: ServiceError | null, reply?: { status: string }) => void): void;
}

const HealthClientConstructor = makeGenericClientConstructor(healthService as unknown as ServiceDefinition, 'Health');

/** A health client on its own channel; the channel options decide reconnect backoff. */
export class HealthClient {
  private readonly stub: HealthStub;

  constructor(address: string, options: ChannelOptions = {}) {
    this.stub = new HealthClientConstructor(address, credentials.createInsecure(), options) as unknown as HealthStub;
  }

  /** One Check call with a deadline; resolves to 'OK' or the failure's gRPC status code and details. */
  check(deadlineMs: number): Promise<{ code: number; details: string }> {
    return new Promise((resolve) => {
      this.stub.check({ service: '' }, { deadline: Date.now() + deadlineMs }, (error) => {
        resolve(error === null ? { code: 0, details: 'OK' } : { code: error.code, details: error.details });
      });
    });
  }

  close(): void {
    this.stub.close();
  }
}

/** The backends a conformance run can use here: embedded always, binary when installed, external when TOXIPROXY_URL is set. */
export function availableBackendKinds(env: NodeJS.ProcessEnv = process.env): ProxyBackendKind[] {
  const kinds: ProxyBackendKind[] = ['embedded'];
  if (findToxiproxyBinary(env['PATH'] ?? '') !== undefined) kinds.push('binary');
  if ((env['TOXIPROXY_URL'] ?? '').length > 0) kinds.push('external');
  return kinds;
}
