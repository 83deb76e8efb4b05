// One proxy of the embedded server: a listener, its connections, and its toxics per stream. It
// follows the real server's proxy.go: disabling closes the listener and every connection at once.
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { internalError } from './api-error.js';
import type { DecisionLog } from './decisions.js';
import { Connection } from './connection.js';
import { toxicJson } from './toxic.js';
import type { Stream, Toxic, ToxicJson } from './toxic.js';

/** An unspecified or "localhost" listen host binds loopback only (the real server would bind every interface). */
const loopbackHost = '127.0.0.1';

export interface ProxyContext {
  seed: string;
  decisions: DecisionLog;
  /** Hands out connection ordinals per proxy name, in accept order. */
  nextConnection(proxy: string): number;
}

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export interface ProxyFields {
  listen: string;
  upstream: string;
  enabled: boolean;
}

export class EmbeddedProxy {
  enabled = false;
  private readonly chains: Record<Stream, Toxic[]> = { upstream: [], downstream: [] };
  private listener: Server | undefined;
  private readonly connections = new Set<Connection>();
  private readonly dialing = new Set<Socket>();

  constructor(
    private readonly context: ProxyContext,
    readonly name: string,
    public listen: string,
    public upstream: string,
  ) {}

  /** Upstream toxics first, then downstream, each in the order they were added (as the real server lists them). */
  get toxics(): Toxic[] {
    return [...this.chains.upstream, ...this.chains.downstream];
  }

  findToxic(name: string): Toxic | undefined {
    return this.toxics.find((toxic) => toxic.name === name);
  }

  toJson(): ProxyJson {
    return { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.toxics.map(toxicJson) };
  }

  /** Listens; the listen address then shows the port it got, so a restart reuses that port. */
  async start(): Promise<void> {
    if (this.enabled) return;
    const { host, port } = listenAddress(this.listen);
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: host === '' || host === 'localhost' ? loopbackHost : host, port, exclusive: true }, resolve);
    }).catch((error: unknown) => {
      throw internalError(`listen tcp ${this.listen}: ${describeSocketError(error)}`);
    });
    this.listener = server;
    this.listen = formatAddress(server.address() as AddressInfo);
    this.enabled = true;
  }

  async stop(): Promise<void> {
    if (!this.enabled) return;
    this.enabled = false;
    const listener = this.listener;
    this.listener = undefined;
    const closed = new Promise<void>((resolve) => listener?.close(() => resolve()) ?? resolve());
    for (const socket of this.dialing) socket.destroy();
    for (const connection of this.connections) connection.destroy();
    await closed;
  }

  /** Closes every connection and every one still dialing its upstream; the listener stays open. */
  dropConnections(): void {
    for (const socket of this.dialing) socket.destroy();
    this.dialing.clear();
    for (const connection of this.connections) connection.destroy();
  }

  /** POST/PATCH /proxies/{name}: a new listen or upstream restarts the proxy; enabled starts or stops it. */
  async update(input: ProxyFields): Promise<void> {
    if (normalizeListen(input.listen) !== this.listen || input.upstream !== this.upstream) {
      await this.stop();
      this.listen = input.listen;
      this.upstream = input.upstream;
    }
    if (input.enabled && !this.enabled) await this.start();
    if (!input.enabled && this.enabled) await this.stop();
  }

  addToxic(toxic: Toxic): void {
    this.chains[toxic.direction].push(toxic);
    for (const connection of this.connections) connection.addToxic(toxic);
  }

  async updateToxic(toxic: Toxic): Promise<void> {
    await Promise.all([...this.connections].map((connection) => connection.link(toxic.direction).updateToxic(toxic)));
  }

  async removeToxic(toxic: Toxic): Promise<void> {
    const chain = this.chains[toxic.direction];
    chain.splice(chain.indexOf(toxic), 1);
    await Promise.all([...this.connections].map((connection) => connection.link(toxic.direction).removeToxic(toxic)));
  }

  async removeEveryToxic(): Promise<void> {
    for (const toxic of this.toxics) await this.removeToxic(toxic);
  }

  /** Dials upstream for each client; when that fails the client is closed, as the real server does. */
  private accept(client: Socket): void {
    const ordinal = this.context.nextConnection(this.name);
    client.on('error', () => client.destroy());
    let upstream: Socket;
    try {
      const { host, port } = splitAddress(this.upstream);
      upstream = connect({ host, port, allowHalfOpen: true, noDelay: true });
    } catch {
      client.destroy();
      return;
    }
    this.dialing.add(client).add(upstream);
    const failed = (): void => {
      this.dialing.delete(client);
      this.dialing.delete(upstream);
      upstream.destroy();
      client.destroy();
    };
    upstream.once('error', failed);
    upstream.once('connect', () => {
      upstream.off('error', failed);
      this.dialing.delete(client);
      this.dialing.delete(upstream);
      if (!this.enabled || client.destroyed) return failed();
      const context = { proxy: this.name, ordinal, seed: this.context.seed, decisions: this.context.decisions };
      this.connections.add(new Connection(client, upstream, this.toxics, context, (done) => this.connections.delete(done)));
    });
  }
}

/** Splits "host:port" (or "[v6]:port"); a missing port is the real server's error. */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const portText = address.slice(colon + 1);
  if (colon < 0 || !/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) {
    throw internalError(`address ${address}: ${colon < 0 ? 'missing port in address' : 'invalid port'}`);
  }
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(portText) };
}

/** net.Listen's own wording when the address does not parse: "listen tcp: address x: missing port in address". */
function listenAddress(listen: string): { host: string; port: number } {
  try {
    return splitAddress(listen);
  } catch (error) {
    throw internalError(`listen tcp: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What Go's ResolveTCPAddr makes of a listen address, to tell whether an update changes it. */
function normalizeListen(listen: string): string {
  const { host, port } = splitAddress(listen);
  return `${host === 'localhost' ? loopbackHost : host.includes(':') ? `[${host}]` : host}:${port}`;
}

function formatAddress(address: AddressInfo): string {
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

function describeSocketError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return 'bind: address already in use';
  if (code === 'EACCES') return 'bind: permission denied';
  if (code === 'EADDRNOTAVAIL') return 'bind: cannot assign requested address';
  return error instanceof Error ? error.message : String(error);
}
