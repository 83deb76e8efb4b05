// One proxied TCP connection: the client's socket, the upstream socket, and a link each way (the
// real server's ToxicLink) that runs the proxy's toxics of that stream in order, then writes.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ToxicRandom } from './decisions.js';
import type { DecisionLog } from './decisions.js';
import { pipeOf } from './pipes.js';
import { Stage } from './stage.js';
import type { Chunk, ChunkReceiver, DropCounter } from './stage.js';
import type { Stream, Toxic } from './toxic.js';

/** A link stops reading once this much is read but not yet handed to the kernel (Go blocks on its channels). */
const linkBufferBytesMax = 1024 * 1024;
/** A socket closed gracefully gets this long to flush what is queued before it is destroyed. */
const closeFlushMsMax = 5_000;

export interface ConnectionContext {
  proxy: string;
  /** The connection's ordinal on this proxy name, for the seeded PRNG's key. */
  ordinal: number;
  seed: string;
  decisions: DecisionLog;
}

class Sink implements ChunkReceiver {
  constructor(private readonly link: Link) {}

  push(chunk: Chunk | null): void {
    if (chunk === null) {
      this.link.connection.closeSocket(this.link.destination);
      return;
    }
    const destination = this.link.destination;
    if (!destination.destroyed && !destination.writableEnded) destination.write(chunk.data);
    this.link.handedOver(chunk.data.length);
  }
}

export class Link implements DropCounter {
  readonly stages: Stage[] = [];
  private readonly sink: Sink;
  private stagedBytes = 0;
  private inputEnded = false;

  constructor(
    readonly connection: Connection,
    readonly direction: Stream,
    readonly source: Socket,
    readonly destination: Socket,
  ) {
    this.sink = new Sink(this);
    source.on('data', (data: Buffer) => this.read(data));
    source.once('end', () => this.endInput());
    source.once('close', () => this.endInput());
    destination.on('drain', () => this.resumeIfRoom());
  }

  private get head(): ChunkReceiver {
    return this.stages[0] ?? this.sink;
  }

  private read(data: Buffer): void {
    if (this.inputEnded) return;
    this.stagedBytes += data.length;
    this.head.push({ data, timestamp: performance.now() });
    if (this.stagedBytes + this.destination.writableLength > linkBufferBytesMax) this.source.pause();
  }

  /** End of input, whether the peer sent FIN, the socket failed, or the proxy closed it. */
  endInput(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.source.pause();
    this.head.push(null);
  }

  /** Written to the socket: from here the socket's own buffer and its 'drain' carry the backpressure. */
  handedOver(bytes: number): void {
    this.stagedBytes -= bytes;
    this.resumeIfRoom();
  }

  dropped(bytes: number): void {
    this.stagedBytes -= bytes;
    this.resumeIfRoom();
  }

  private resumeIfRoom(): void {
    if (this.inputEnded || !this.source.isPaused()) return;
    if (this.stagedBytes + this.destination.writableLength <= linkBufferBytesMax / 2) this.source.resume();
  }

  /** A new toxic goes last, before the socket; it acts on data already inside earlier stages too. */
  addToxic(toxic: Toxic, context: ConnectionContext): void {
    const random = new ToxicRandom(context.seed, { proxy: context.proxy, toxic: toxic.name, generation: toxic.generation, connection: context.ordinal }, context.decisions);
    const stage = new Stage(toxic, this.sink, random, this, pipeOf);
    const last = this.stages.at(-1);
    if (last !== undefined) last.next = stage;
    this.stages.push(stage);
    stage.start();
  }

  /** Rolls again and runs with the toxic's new attributes, as the real server restarts the stub. */
  async updateToxic(toxic: Toxic): Promise<void> {
    const stage = this.stages.find((candidate) => candidate.toxic === toxic);
    if (stage !== undefined && (await stage.interrupt())) stage.start();
  }

  /**
   * Data waiting in the toxic goes on unchanged. A timeout toxic closes the connection instead (its
   * Cleanup in the real server); a stage that already closed stays, as the real server leaves it.
   */
  async removeToxic(toxic: Toxic): Promise<void> {
    const stage = this.stages.find((candidate) => candidate.toxic === toxic);
    if (stage === undefined || !(await stage.interrupt())) return;
    if (toxic.type === 'timeout') return stage.close();
    stage.flush();
    const index = this.stages.indexOf(stage);
    const previous = this.stages[index - 1];
    if (previous !== undefined) previous.next = stage.next;
    this.stages.splice(index, 1);
  }

  dispose(): void {
    for (const stage of this.stages) stage.dispose();
  }
}

export class Connection {
  readonly upstreamLink: Link;
  readonly downstreamLink: Link;
  /** Set when a reset_peer toxic existed as the connection began: every close is then an RST (Go's SetLinger(0)). */
  private readonly abortive: boolean;
  private readonly closing = new Set<Socket>();
  private closedSockets = 0;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    toxics: readonly Toxic[],
    private readonly context: ConnectionContext,
    private readonly onFinished: (connection: Connection) => void,
  ) {
    this.abortive = toxics.some((toxic) => toxic.type === 'reset_peer');
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', () => this.closeSocket(socket));
      socket.once('close', () => this.socketClosed());
    }
    this.upstreamLink = new Link(this, 'upstream', client, upstream);
    this.downstreamLink = new Link(this, 'downstream', upstream, client);
    for (const toxic of toxics) this.link(toxic.direction).addToxic(toxic, context);
    client.resume();
  }

  link(direction: Stream): Link {
    return direction === 'upstream' ? this.upstreamLink : this.downstreamLink;
  }

  addToxic(toxic: Toxic): void {
    this.link(toxic.direction).addToxic(toxic, this.context);
  }

  /**
   * Go's Close(): what is queued still goes out, then FIN, and reading stops at once; with linger 0 it
   * is an RST. The link reading this socket sees end of input, which in turn closes the other socket.
   */
  closeSocket(socket: Socket): void {
    if (this.closing.has(socket)) return;
    this.closing.add(socket);
    this.readerOf(socket).endInput();
    if (socket.destroyed) return;
    if (this.abortive) {
      socket.resetAndDestroy();
      return;
    }
    const fallback = setTimeout(() => socket.destroy(), closeFlushMsMax);
    fallback.unref();
    socket.end(() => {
      clearTimeout(fallback);
      socket.destroy();
    });
  }

  /** Disabling or deleting the proxy closes every connection at once, without waiting for queues. */
  destroy(): void {
    for (const socket of [this.client, this.upstream]) {
      this.closing.add(socket);
      if (socket.destroyed) continue;
      if (this.abortive) socket.resetAndDestroy();
      else socket.destroy();
    }
  }

  private readerOf(socket: Socket): Link {
    return socket === this.client ? this.upstreamLink : this.downstreamLink;
  }

  private socketClosed(): void {
    this.closedSockets += 1;
    if (this.closedSockets < 2) return;
    this.upstreamLink.dispose();
    this.downstreamLink.dispose();
    this.onFinished(this);
  }
}
