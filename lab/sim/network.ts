// The simulated network: one state per directed link (the plan's link names, `client-b1`, `b1-b2`),
// a connection on each that calls and streams ride on, and the plan's faults as Toxiproxy's toxics
// do them to bytes (its toxics/*.go): cut (disable: refused; blackhole: swallowed, and the heal closes
// the connection), swallowed (timeout, reset_peer from its first message), delayed (latency,
// jitter, bandwidth, slicer), or the connection ended (reset_peer, timeout, limit_data; slow_close
// delays the end). Removing a delaying toxic lets what it holds through at once, as Toxiproxy's
// interrupted toxics do. A caller's channel reconnects as grpc-js's subchannel does: after a failed
// attempt it waits its backoff, so a heal is noticed at its next attempt, not at once. Every delay and
// jitter is drawn from the run's network PRNG; one link's messages arrive in the order they left.
// Try it: see network.test.ts.
import { status } from '@grpc/grpc-js';
import type { ChannelOptions } from '@grpc/grpc-js';
import type { CutMethod, LinkToxic, ToxicStream } from '../plan/index.js';
import type { SimEvent, SimLoop, SimProcess } from './loop.js';
import { SimLimitError } from './limits.js';

/** One hop on loopback through a proxy takes about this long, give or take half of it. */
export const baseLatencyMs = 0.2;
/** grpc-js's keepalive (proto/channel.ts): a ping keepaliveTimeMs after the connection is up and after each answer. */
const keepaliveTimeMs = 2_000;
/** ...given up, and the connection with it, this long after an unanswered ping. */
const keepaliveTimeoutMs = 1_000;
/** A silent connection is noticed by keepalive at most this late (a connection not yet up, always this late). */
const keepaliveDetectMs = keepaliveTimeMs + keepaliveTimeoutMs;
/** A refused connection attempt fails this fast. */
export const refusedConnectMs = 1;
/** The bytes of an HTTP/2 connection preface with SETTINGS, and of the server's SETTINGS. */
const handshakeBytes = 64;

export type Direction = 'up' | 'down';

/** Messages between branches a run keeps for its report's diagram; the rest are counted, not kept. */
export const networkMessagesMax = 5_000;

/** One message between two branches, on the loop's clock (ms); `receivedMs` null: it never arrived. */
export interface NetworkMessage {
  from: string;
  to: string;
  /** The call or stream it belongs to (propagate, read, ...). */
  kind: string;
  /** What it was: a call, a write on a stream, a reply, data back, a status. */
  label: string;
  sentMs: number;
  receivedMs: number | null;
}

/** What rides on a connection: told when the connection ends under it. */
export interface Rider {
  /** The process that hears of it (undefined: the lab's customers). */
  readonly owner: SimProcess | undefined;
  connectionLost(code: status, details: string): void;
}

export class Connection {
  alive = true;
  /**
   * grpc-js uses a connection only once the server's SETTINGS came back (its transport is ready on
   * 'remoteSettings'): until then calls wait in `waiting`, and a toxic or a stopped server that keeps
   * the handshake from finishing keeps them from ever being sent.
   */
  handshake: 'none' | 'sent' | 'done' = 'none';
  /**
   * When its keepalive pings began (a ping every keepaliveTimeMs from then, answered at once): when
   * its handshake finished, or, for a link's first connection, up before the run, a drawn phase.
   */
  pingsFrom: number | undefined;
  readonly waiting: (() => void)[] = [];
  readonly riders = new Set<Rider>();
  readonly bytes: Record<Direction, number> = { up: 0, down: 0 };
  /** The toxics that act on this connection (toxicity is drawn per connection, as Toxiproxy does). */
  readonly toxics = new Set<number>();
  /**
   * reset_peer toxics (by id) that took their first message here, and the direction they swallow:
   * nothing more passes that way, and the connection is reset their timeout later.
   */
  readonly resetting = new Map<number, Direction>();
  /** When a timeout toxic (by id) last swallowed a message here: it closes the connection after its timeout of silence. */
  readonly swallowedAt = new Map<number, number>();
  /** Messages on their way, per direction, in the order they will arrive: a removed delaying toxic lets them through. */
  readonly inFlight: Record<Direction, InFlight[]> = { up: [], down: [] };

  constructor(readonly id: number) {}
}

/** A message on its way: when it leaves the proxy's toxics and when it arrives, and what it does then. */
interface InFlight {
  event: SimEvent;
  /** When the toxics let it go: from then on it is in the receiver's socket, and an orderly close still delivers it. */
  out: number;
  arrival: number;
  /** The connection closed in order after it left the toxics: it arrives all the same. */
  onWire: boolean;
  bytes: number;
  receiver: SimProcess | undefined;
  label: string;
  arrive: () => void;
}

interface ActiveToxic {
  toxic: LinkToxic;
  stream: ToxicStream;
  toxicity: number;
}

export class Link {
  cut: CutMethod | undefined;
  readonly toxics = new Map<number, ActiveToxic>();
  connection: Connection;
  readonly lastArrival: Record<Direction, number> = { up: 0, down: 0 };
  inFlight = 0;

  constructor(readonly name: string, readonly from: string, readonly to: string, connection: Connection) {
    this.connection = connection;
  }
}

export interface Hosts {
  /** The process of a running branch (paused or not); undefined when it is down. */
  process(branch: string): SimProcess | undefined;
}

export class Network {
  private readonly links = new Map<string, Link>();
  private connections = 0;
  /** The first networkMessagesMax messages between branches, in the order they were sent. */
  readonly messages: NetworkMessage[] = [];
  /** Messages between branches sent in all, kept or not. */
  messagesSent = 0;

  constructor(private readonly loop: SimLoop, private readonly draw: () => number, private readonly hosts: Hosts) {}

  link(from: string, to: string): Link {
    const name = `${from}-${to}`;
    let link = this.links.get(name);
    if (link === undefined) {
      // A link's first connection is up from the start, as a reused real cluster's are from the runs
      // before: only a connection made after one ended waits for its handshake.
      const first = this.newConnection(undefined);
      first.handshake = 'done';
      link = new Link(name, from, to, first);
      this.links.set(name, link);
    }
    return link;
  }

  /** Links touching a branch, as dialer or target. */
  linksOf(branch: string): Link[] {
    return [...this.links.values()].filter((link) => link.from === branch || link.to === branch);
  }

  /** A caller's channel over the link, with grpc-js's reconnect backoff from its options. */
  channel(link: Link, owner: SimProcess | undefined, options: ChannelOptions | undefined): Channel {
    return new Channel(this.loop, link, owner, reconnectBackoff(options), () => this.reachable(link), this.draw);
  }

  /** Whether a new call can connect now: the link is not refused and its target runs. */
  reachable(link: Link): boolean {
    return link.cut !== 'disable' && this.hosts.process(link.to) !== undefined;
  }

  /**
   * Sends `bytes` over the link's `connection`; `deliver` runs as an event of `receiver` when they arrive, unless the
   * connection ended or the link held them meanwhile. Returns false when they were dropped at once.
   */
  send(
    link: Link, connection: Connection, direction: Direction, bytes: number, receiver: SimProcess | undefined, label: string, deliver: () => void,
  ): boolean {
    const message = this.record(link, direction, label);
    const delivered = message === undefined ? deliver : (): void => {
      message.receivedMs = this.loop.now;
      deliver();
    };
    return this.transmit(link, connection, direction, bytes, receiver, label, delivered);
  }

  /** Keeps a labelled message between two branches (a customer's calls are the history's, not the diagram's). */
  private record(link: Link, direction: Direction, label: string): NetworkMessage | undefined {
    if (label === '' || link.from === 'client') return undefined;
    this.messagesSent += 1;
    if (this.messages.length >= networkMessagesMax) return undefined;
    const [what = '', , kind = ''] = label.split(' ');
    const [from, to] = direction === 'up' ? [link.from, link.to] : [link.to, link.from];
    const message: NetworkMessage = { from, to, kind, label: what, sentMs: this.loop.now, receivedMs: null };
    this.messages.push(message);
    return message;
  }

  private transmit(
    link: Link, connection: Connection, direction: Direction, bytes: number, receiver: SimProcess | undefined, label: string, deliver: () => void,
  ): boolean {
    // Bytes of a call or stream ride its own connection: once that one ended, they go nowhere, even
    // if the link has a new connection by now.
    if (connection !== link.connection || !connection.alive || link.cut === 'disable') return false;
    if (link.inFlight >= this.loop.limits.inFlightPerLinkMax) {
      throw new SimLimitError('inFlightPerLinkMax', `${link.inFlight} messages in flight on ${link.name}`);
    }
    if (link.cut === 'blackhole' || this.swallows(link, connection, direction)) return false;
    connection.bytes[direction] += bytes;
    const held = this.heldMs(link, connection, direction, bytes);
    const arrival = Math.max(this.loop.now + held + baseLatencyMs * (0.5 + this.draw()), link.lastArrival[direction]);
    link.lastArrival[direction] = arrival;
    link.inFlight += 1;
    const queue = connection.inFlight[direction];
    const entry: InFlight = {
      event: undefined as unknown as SimEvent, out: this.loop.now + held, arrival, onWire: false, bytes, receiver, label,
      arrive: () => {
        link.inFlight -= 1;
        if (queue[0] === entry) queue.shift();
        else queue.splice(queue.indexOf(entry), 1);
        if (!entry.onWire && (link.connection !== connection || !connection.alive)) return;
        deliver();
      },
    };
    entry.event = this.loop.at(arrival - this.loop.now, receiver, label, entry.arrive);
    queue.push(entry);
    this.limitData(link, connection, direction);
    return true;
  }

  /**
   * What a delaying toxic held goes on at once when it is removed (Toxiproxy interrupts it, and it
   * forwards what it holds: "don't drop any data on the floor"), through the delays that remain.
   */
  private release(link: Link, connection: Connection, direction: Direction): void {
    const queue = connection.inFlight[direction];
    if (queue.length === 0) return;
    let previous = this.loop.now;
    for (const entry of queue) {
      const held = this.heldMs(link, connection, direction, entry.bytes, 'nominal');
      const arrival = Math.max(previous, Math.min(entry.arrival, this.loop.now + held + baseLatencyMs));
      previous = arrival;
      entry.out = Math.min(entry.out, this.loop.now + held);
      if (arrival === entry.arrival) continue;
      this.loop.cancel(entry.event);
      entry.arrival = arrival;
      entry.event = this.loop.at(arrival - this.loop.now, entry.receiver, entry.label, entry.arrive, entry.event.generation);
    }
    link.lastArrival[direction] = previous;
  }


  /**
   * Runs `send` once the connection's HTTP/2 handshake is done: the client's preface goes up, and the
   * server's SETTINGS come down as an event of the server's process (a paused server sends none).
   * What waits is dropped if the connection ends first; its riders hear of that.
   */
  whenReady(link: Link, connection: Connection, send: () => void): void {
    if (connection.handshake === 'done') return send();
    connection.waiting.push(send);
    if (connection.handshake === 'sent') return;
    connection.handshake = 'sent';
    this.transmit(link, connection, 'up', handshakeBytes, this.hosts.process(link.to), '', () => {
      this.transmit(link, connection, 'down', handshakeBytes, this.hosts.process(link.from), '', () => {
        connection.handshake = 'done';
        connection.pingsFrom = this.loop.now;
        for (const waiting of connection.waiting.splice(0)) waiting();
      });
    });
  }

  /**
   * Ends the link's connection: everything on it hears `code`; the next call opens a new one. A `close`
   * (the proxy closes its sockets in order) still delivers what already left the toxics, and the ends
   * hear of the close after it; a `reset` (RST, a dead process, keepalive giving up on a silent link) loses it.
   */
  fail(link: Link, code: status, details: string, ending: 'close' | 'reset' = 'reset'): void {
    const connection = link.connection;
    if (!connection.alive) return;
    connection.alive = false;
    connection.waiting.length = 0;
    link.connection = this.newConnection(link);
    let drained = this.loop.now;
    if (ending === 'close') {
      for (const entry of [...connection.inFlight.up, ...connection.inFlight.down]) {
        if (entry.out > this.loop.now) continue;
        entry.onWire = true;
        drained = Math.max(drained, entry.arrival);
      }
    }
    const slowClose = this.activeToxics(link, connection, 'down').find((entry) => entry.toxic.kind === 'slow_close');
    const notify = (): void => {
      for (const rider of [...connection.riders]) this.loop.at(0, rider.owner, '', () => rider.connectionLost(code, details));
    };
    if (slowClose?.toxic.kind === 'slow_close') this.loop.at(Math.max(slowClose.toxic.delayMs, drained - this.loop.now), undefined, `slow_close ${link.name}`, notify);
    else if (drained > this.loop.now) this.loop.at(drained - this.loop.now, undefined, '', notify);
    else notify();
  }

  setCut(link: Link, cut: CutMethod | undefined): void {
    const before = link.cut;
    link.cut = cut;
    if (cut === 'disable') this.fail(link, status.UNAVAILABLE, 'Connection dropped (the proxy was disabled)', 'close');
    if (cut === 'blackhole') this.failIfStillCut(link, link.connection);
    // A blackhole is a pair of timeout-0 toxics on the real proxy: removing them closes the connection (their Cleanup).
    if (before === 'blackhole' && cut !== 'blackhole') this.fail(link, status.UNAVAILABLE, 'Connection closed (the blackhole was removed)', 'close');
  }

  addToxic(link: Link, id: number, toxic: LinkToxic, stream: ToxicStream, toxicity: number): void {
    link.toxics.set(id, { toxic, stream, toxicity });
    this.armToxic(link, link.connection, id);
  }

  removeToxic(link: Link, id: number): void {
    const removed = link.toxics.get(id);
    const acted = link.connection.toxics.has(id);
    link.toxics.delete(id);
    link.connection.toxics.delete(id);
    if (removed !== undefined && acted && delaying.has(removed.toxic.kind)) {
      for (const direction of ['up', 'down'] as const) if (acts(removed, direction)) this.release(link, link.connection, direction);
    }
    // Toxiproxy's timeout toxic closes the connection when it goes (its Cleanup), whether its toxicity roll applied it or not.
    if (removed?.toxic.kind === 'timeout') this.fail(link, status.UNAVAILABLE, 'Connection closed (the timeout toxic was removed)', 'close');
  }

  private newConnection(link: Link | undefined): Connection {
    this.connections += 1;
    const connection = new Connection(this.connections);
    if (link !== undefined) for (const id of link.toxics.keys()) this.armToxic(link, connection, id);
    return connection;
  }

  /**
   * Draws whether a toxic acts on this connection. A timeout toxic closes it after timeoutMs without a
   * message (never when 0); reset_peer waits for its first message (see swallows).
   */
  private armToxic(link: Link, connection: Connection, id: number): void {
    const active = link.toxics.get(id);
    if (active === undefined) return;
    if (active.toxicity < 1 && this.draw() >= active.toxicity) return;
    connection.toxics.add(id);
    const { toxic } = active;
    if (toxic.kind !== 'timeout') return;
    if (toxic.timeoutMs > 0) this.closeWhenQuiet(link, connection, id, toxic.timeoutMs, this.loop.now);
    this.failIfStillCut(link, connection);
  }

  /** A timeout toxic's close: timeoutMs after it last swallowed a message (or began), while it lasts. */
  private closeWhenQuiet(link: Link, connection: Connection, id: number, timeoutMs: number, since: number): void {
    this.loop.at(since + timeoutMs - this.loop.now, undefined, `timeout ${link.name}`, () => {
      if (link.connection !== connection || !connection.alive || !connection.toxics.has(id)) return;
      const last = connection.swallowedAt.get(id) ?? since;
      if (last > since) this.closeWhenQuiet(link, connection, id, timeoutMs, last);
      else this.fail(link, status.UNAVAILABLE, 'Connection timed out (the proxy closed it)', 'close');
    });
  }

  /**
   * How long until keepalive notices that `connection` went silent from now on: its next ping goes
   * unanswered, and is given up keepaliveTimeoutMs later (1 to 3 s, by the pings' phase).
   */
  keepaliveNoticeMs(connection: Connection): number {
    if (connection.handshake !== 'done') return keepaliveDetectMs;
    // A connection from before the run pings in a phase the run cannot know: drawn once, when first needed.
    connection.pingsFrom ??= this.loop.now - this.draw() * keepaliveTimeMs;
    const sincePing = (this.loop.now - connection.pingsFrom) % keepaliveTimeMs;
    return keepaliveTimeMs - sincePing + keepaliveTimeoutMs;
  }

  /** A connection that carries nothing is noticed by keepalive, and ended, when its next ping goes unanswered. */
  private failIfStillCut(link: Link, connection: Connection): void {
    this.loop.at(this.keepaliveNoticeMs(connection), undefined, `keepalive ${link.name}`, () => {
      if (link.connection !== connection || !connection.alive) return;
      const silent = link.cut === 'blackhole' || this.silences(link, connection, 'up') || this.silences(link, connection, 'down');
      if (silent) this.fail(link, status.UNAVAILABLE, 'Keepalive timeout: the connection went silent');
    });
  }

  private activeToxics(link: Link, connection: Connection, direction: Direction): ActiveToxic[] {
    const active: ActiveToxic[] = [];
    for (const id of connection.toxics) {
      const entry = link.toxics.get(id);
      if (entry !== undefined && acts(entry, direction)) active.push(entry);
    }
    return active;
  }

  /** A timeout toxic lets nothing through in its direction, so keepalive's pings go unanswered. */
  private silences(link: Link, connection: Connection, direction: Direction): boolean {
    if (connection.toxics.size === 0) return false;
    return this.activeToxics(link, connection, direction).some((entry) => entry.toxic.kind === 'timeout');
  }

  /**
   * Whether a toxic swallows a message going `direction`, as Toxiproxy's do: a timeout toxic drops
   * every byte; reset_peer drops its first message and everything after it, and resets the connection
   * its timeout later, even if the toxic is removed meanwhile (its wait cannot be interrupted).
   */
  private swallows(link: Link, connection: Connection, direction: Direction): boolean {
    if (connection.toxics.size === 0 && connection.resetting.size === 0) return false;
    let swallowed = false;
    for (const id of connection.toxics) {
      const entry = link.toxics.get(id);
      if (entry === undefined || !acts(entry, direction)) continue;
      const { toxic } = entry;
      if (toxic.kind === 'timeout') {
        connection.swallowedAt.set(id, this.loop.now);
        swallowed = true;
      }
      if (toxic.kind === 'reset_peer') {
        if (!connection.resetting.has(id)) this.resetLater(link, connection, id, direction, toxic.timeoutMs);
        swallowed = true;
      }
    }
    if (swallowed || connection.resetting.size === 0) return swallowed;
    for (const resetting of connection.resetting.values()) if (resetting === direction) return true;
    return false;
  }

  private resetLater(link: Link, connection: Connection, id: number, direction: Direction, timeoutMs: number): void {
    connection.resetting.set(id, direction);
    this.loop.at(timeoutMs, undefined, `reset_peer ${link.name}`, () => {
      if (link.connection === connection) this.fail(link, status.UNAVAILABLE, 'Connection reset by peer');
    });
  }

  /** How long the link's toxics hold a message back (`nominal`: without jitter, for what a release leaves). */
  private heldMs(link: Link, connection: Connection, direction: Direction, bytes: number, jitter: 'drawn' | 'nominal' = 'drawn'): number {
    let delay = 0;
    if (connection.toxics.size === 0) return delay;
    for (const { toxic } of this.activeToxics(link, connection, direction)) {
      if (toxic.kind === 'latency') delay += Math.max(0, toxic.latencyMs + (jitter === 'drawn' ? toxic.jitterMs * (2 * this.draw() - 1) : 0));
      if (toxic.kind === 'bandwidth') delay += bytes / Math.max(1, toxic.rateKBps);
      if (toxic.kind === 'slicer') delay += Math.ceil(bytes / Math.max(1, toxic.averageSize)) * (toxic.delayUs / 1000);
    }
    return delay;
  }

  private limitData(link: Link, connection: Connection, direction: Direction): void {
    if (connection.toxics.size === 0) return;
    const limit = this.activeToxics(link, connection, direction).find((entry) => entry.toxic.kind === 'limit_data');
    if (limit?.toxic.kind === 'limit_data' && limit.toxic.bytes > 0 && connection.bytes[direction] >= limit.toxic.bytes) {
      this.fail(link, status.UNAVAILABLE, 'Connection closed after its data limit');
    }
  }
}

/** The toxics that hold bytes back rather than drop them. */
const delaying = new Set<LinkToxic['kind']>(['latency', 'bandwidth', 'slicer']);

/** grpc-js's reconnect backoff of a channel: the first wait, the cap (its defaults: 1 s and 120 s). */
export interface ReconnectBackoff {
  initialMs: number;
  maxMs: number;
}

/** Its multiplier and jitter, as grpc-js's backoff-timeout has them. */
const backoffMultiplier = 1.6;
const backoffJitter = 0.2;

export function reconnectBackoff(options: ChannelOptions | undefined): ReconnectBackoff {
  const initialMs = Number(options?.['grpc.initial_reconnect_backoff_ms'] ?? 1_000);
  return { initialMs, maxMs: Math.max(initialMs, Number(options?.['grpc.max_reconnect_backoff_ms'] ?? 120_000)) };
}

/**
 * A caller's channel over one link, as grpc-js's pick-first subchannel connects it. A call that finds
 * the link unreachable costs the channel a failed attempt, and the channel tries again after its
 * backoff (the first wait `initialMs`, then each 1.6 times the last, capped, ±20 %), for as long as the
 * attempts fail, whether anyone still waits or not. Meanwhile calls with waitForReady wait for the
 * attempt that connects and the others fail at once: a healed link or a restarted node is noticed at
 * the channel's next attempt, up to a backoff later, not at the instant it came back.
 */
export class Channel {
  private backingOff = false;
  private nextDelayMs: number;
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly loop: SimLoop, readonly link: Link, private readonly owner: SimProcess | undefined,
    private readonly backoff: ReconnectBackoff, private readonly reachable: () => boolean, private readonly draw: () => number,
  ) {
    this.nextDelayMs = backoff.initialMs;
  }

  /** Whether a call may go out now; if not, the channel is backing off (and begins to, if it was not). */
  ready(): boolean {
    if (this.backingOff) return false;
    if (this.reachable()) return true;
    this.backingOff = true;
    this.retryLater();
    return false;
  }

  /** Runs `then` once an attempt connects; returns what stops the wait. */
  wait(then: () => void): () => void {
    this.waiting.add(then);
    return () => this.waiting.delete(then);
  }

  private retryLater(): void {
    const delay = this.nextDelayMs;
    const grown = Math.min(delay * backoffMultiplier, this.backoff.maxMs);
    this.nextDelayMs = grown + grown * backoffJitter * (2 * this.draw() - 1);
    this.loop.at(delay, this.owner, `reconnect ${this.link.name}`, () => {
      if (!this.reachable()) return this.retryLater();
      this.backingOff = false;
      this.nextDelayMs = this.backoff.initialMs;
      for (const then of [...this.waiting]) {
        this.waiting.delete(then);
        then();
      }
    });
  }
}

/** Whether a toxic acts on bytes going `direction`: upstream is the dialer's way ('up'), downstream the reply's. */
function acts(entry: ActiveToxic, direction: Direction): boolean {
  return direction === 'up' ? entry.stream !== 'downstream' : entry.stream !== 'upstream';
}
