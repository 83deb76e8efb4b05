// Calls and streams over the simulated network, surfacing to both sides as grpc-js surfaces them:
// a unary callback with a ServiceError (code, details, metadata), a client stream's 'data', 'error'
// and 'status', a server call's 'data', 'end' and 'cancelled'. Messages are encoded and decoded with
// the service's own codec, so each side holds its own copy and its size is what bandwidth meters.
// Try it: `simBranchClient(network, endpoints, 'b1', 'b2').acquire(request, metadata, options, callback)`.
import { Metadata, status } from '@grpc/grpc-js';
import type { ChannelOptions, Deadline, ServiceError, StatusObject } from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { BranchService } from '../../proto/index.js';
import type { BranchServer } from '../../proto/index.js';
import { simEpochMs } from './clock.js';
import type { SimLoop, SimProcess } from './loop.js';
import { refusedConnectMs } from './network.js';
import type { Channel, Connection, Link, Network, Rider } from './network.js';

type MethodName = keyof typeof BranchService;

interface Definition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: never) => Buffer;
  requestDeserialize: (bytes: Buffer) => unknown;
  responseSerialize: (value: never) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

/** Who is at the two ends: the processes events run in, and the target's handlers while it runs. */
export interface Endpoints {
  loop: SimLoop;
  network: Network;
  /** The caller's process; undefined for the lab's customers. */
  caller: SimProcess | undefined;
  handlers(branch: string): { process: SimProcess; handlers: BranchServer } | undefined;
}

function serviceError(code: status, details: string, metadata?: Metadata): ServiceError {
  const error = new Error(`${code} ${status[code]}: ${details}`) as ServiceError;
  return Object.assign(error, { code, details, metadata: metadata ?? new Metadata() });
}

function deadlineDelayMs(loop: SimLoop, deadline: Deadline | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  const epochMs = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(epochMs) ? epochMs - simEpochMs - loop.now : undefined;
}

/** A client of the Branch service from `from` to `to`, with grpc-js's method shapes, on a channel of its own (options: its backoff). */
export function simBranchClient(endpoints: Endpoints, from: string, to: string, options?: ChannelOptions): Record<string, unknown> {
  const link = endpoints.network.link(from, to);
  const channel = endpoints.network.channel(link, endpoints.caller, options);
  const client: Record<string, unknown> = { close: () => undefined };
  for (const name of Object.keys(BranchService) as MethodName[]) {
    const definition = BranchService[name] as unknown as Definition;
    if (definition.requestStream && definition.responseStream) {
      client[name] = (metadata?: Metadata, options?: { deadline?: Deadline }) =>
        new SimClientStream(endpoints, channel, name, definition, metadata ?? new Metadata(), deadlineDelayMs(endpoints.loop, options?.deadline));
    } else if (!definition.requestStream && definition.responseStream) {
      // Server streaming (Watch): the request rides with the stream's opening.
      client[name] = (request: unknown, metadata?: Metadata, options?: { deadline?: Deadline }) =>
        new SimClientStream(endpoints, channel, name, definition, metadata ?? new Metadata(), deadlineDelayMs(endpoints.loop, options?.deadline), { request });
    } else if (!definition.requestStream && !definition.responseStream) {
      client[name] = (request: unknown, metadata: Metadata, options: { deadline?: Deadline }, callback: (error: ServiceError | null, reply?: unknown) => void) =>
        unary(endpoints, channel, name, definition, request, metadata, deadlineDelayMs(endpoints.loop, options.deadline), callback);
    }
  }
  return client;
}

class SimServerUnaryCall extends EventEmitter implements Rider {
  cancelled = false;

  constructor(
    readonly owner: SimProcess, readonly request: unknown, readonly metadata: Metadata, private readonly deadline: number,
    private readonly path: string,
  ) {
    super();
  }

  getDeadline(): Deadline {
    return this.deadline;
  }

  getPath(): string {
    return this.path;
  }

  connectionLost(): void {
    this.cancel();
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.emit('cancelled', 'cancelled');
  }
}

function unary(
  endpoints: Endpoints, channel: Channel, name: MethodName, definition: Definition, request: unknown, metadata: Metadata,
  deadlineMs: number | undefined, callback: (error: ServiceError | null, reply?: unknown) => void,
): { cancel(): void } {
  const { loop, network, caller } = endpoints;
  const link = channel.link;
  let done = false;
  let stopWaiting = (): unknown => undefined;
  let serverCall: SimServerUnaryCall | undefined;
  /** The handler answered: its call is over on the server, and nothing the client does after reaches it. */
  let answered = false;
  const rider: Rider = { owner: caller, connectionLost: (code, details) => finish(serviceError(code, details)) };
  let connection = link.connection;
  const finish = (error: ServiceError | null, reply?: unknown): void => {
    if (done) return;
    done = true;
    connection.riders.delete(rider);
    stopWaiting();
    const server = serverCall;
    // A call the handler has not answered yet: the server hears of its end in its own process, as a
    // RST_STREAM or its own deadline would tell it.
    if (server !== undefined && !answered) loop.at(0, server.owner, '', () => server.cancel());
    callback(error, reply);
  };
  const bytes = definition.requestSerialize(request as never);
  const copy = metadata.clone();
  const deadline = deadlineMs === undefined ? Infinity : simEpochMs + loop.now + deadlineMs;
  if (deadlineMs !== undefined) loop.at(deadlineMs, caller, '', () => finish(serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded')));
  function attempt(): void {
    if (done) return;
    if (!channel.ready()) {
      if (metadata.getOptions().waitForReady === true) stopWaiting = channel.wait(attempt);
      else loop.at(refusedConnectMs, caller, '', () => finish(serviceError(status.UNAVAILABLE, 'No connection established')));
      return;
    }
    const target = endpoints.handlers(link.to);
    if (target === undefined) return;
    connection = link.connection;
    connection.riders.add(rider);
    network.whenReady(link, connection, () => {
      // A call that ended while its connection was being set up was never sent.
      if (!done) send(target.process);
    });
  }
  function send(receiver: SimProcess): void {
    // grpc-timeout is relative: the server's deadline starts when it reads the request, with the budget
    // the client had left when it sent it (a request held by a paused server gets its whole budget).
    const budgetMs = deadline - simEpochMs - loop.now;
    network.send(link, connection, 'up', bytes.length, receiver, `call ${link.name} ${name}`, () => {
      const host = endpoints.handlers(link.to);
      if (host === undefined) return;
      // Whole milliseconds, as grpc-js gives a deadline (and as deadlines travel on, as uint64).
      const serverDeadline = Math.floor(simEpochMs + loop.now + budgetMs);
      const call = new SimServerUnaryCall(host.process, definition.requestDeserialize(bytes), copy, serverDeadline, definition.path);
      serverCall = call;
      connection.riders.add(call);
      const handler = host.handlers[name] as unknown as (call: SimServerUnaryCall, reply: (error: Partial<StatusObject> | null, value?: unknown) => void) => void;
      handler(call, (error, value) => respond(error, value));
      // The client gave up while its request was on the way: its RST_STREAM comes right behind it,
      // and the server reads both, as grpc-js does when a stopped server resumes.
      if (done) loop.at(0, host.process, '', () => call.cancel());
    });
  }
  function respond(error: Partial<StatusObject> | null, value: unknown): void {
    if (done || serverCall?.cancelled === true) return;
    answered = true;
    const answer = error === null ? definition.responseSerialize(value as never) : undefined;
    network.send(link, connection, 'down', answer?.length ?? 64, caller, `reply ${link.name} ${name}`, () => {
      if (answer !== undefined) return finish(null, definition.responseDeserialize(answer));
      return finish(serviceError(error?.code ?? status.UNKNOWN, error?.details ?? '', error?.metadata));
    });
  }
  attempt();
  return { cancel: () => finish(serviceError(status.CANCELLED, 'Cancelled on client')) };
}

/** The server's side of a bidi or server-streaming call, as a handler sees it. */
class SimServerStream extends EventEmitter implements Rider {
  cancelled = false;
  private closed = false;

  constructor(
    readonly owner: SimProcess, readonly metadata: Metadata, private readonly peer: SimClientStream,
    /** A server-streaming call's request; undefined on a bidi stream. */
    readonly request: unknown = undefined, private readonly deadline: number = Infinity, private readonly path = '',
  ) {
    super();
    // As grpc-js: an 'error' emitted on a server stream ends it with that status.
    this.on('error', (error: Partial<StatusObject>) => this.close(error.code ?? status.UNKNOWN, error.details ?? ''));
  }

  write(message: unknown): boolean {
    if (this.closed) return false;
    this.peer.fromServer(message);
    return true;
  }

  end(): void {
    this.close(status.OK, 'OK');
  }

  getDeadline(): Deadline {
    return this.deadline;
  }

  getPath(): string {
    return this.path;
  }

  connectionLost(): void {
    this.cancel();
  }

  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelled = true;
    this.emit('cancelled', 'cancelled');
    this.emit('close');
  }

  private close(code: status, details: string): void {
    if (this.closed) return;
    this.closed = true;
    this.peer.statusFromServer(code, details);
    this.emit('finish');
    this.emit('close');
  }
}

/** The client's side of a bidi stream: grpc-js's ClientDuplexStream, as far as node code uses it. */
class SimClientStream extends EventEmitter implements Rider {
  private finished = false;
  /** The stream's opening went out (its connection was ready): writes follow it directly. */
  private opened = false;
  private server: SimServerStream | undefined;
  private readonly pending: (() => void)[] = [];
  private connection: Connection;
  private readonly deadline: number;
  readonly owner: SimProcess | undefined;
  private readonly link: Link;
  private stopWaiting = (): unknown => undefined;

  constructor(
    private readonly endpoints: Endpoints, private readonly channel: Channel, private readonly name: MethodName,
    private readonly definition: Definition, private readonly metadata: Metadata, deadlineMs: number | undefined,
    /** A server-streaming call's one request, sent with the opening. */
    private readonly initial?: { request: unknown },
  ) {
    super();
    this.owner = endpoints.caller;
    this.link = channel.link;
    this.connection = this.link.connection;
    this.deadline = deadlineMs === undefined ? Infinity : simEpochMs + endpoints.loop.now + deadlineMs;
    if (deadlineMs !== undefined) {
      endpoints.loop.at(deadlineMs, endpoints.caller, '', () => this.finish(status.DEADLINE_EXCEEDED, 'Deadline exceeded', true));
    }
    this.open();
  }

  write(message: unknown): boolean {
    if (this.finished) return false;
    const bytes = this.definition.requestSerialize(message as never);
    this.toServer(bytes.length, `write ${this.link.name} ${this.name}`, () => this.server?.emit('data', this.definition.requestDeserialize(bytes)));
    return true;
  }

  end(): void {
    if (!this.finished) this.toServer(16, '', () => this.server?.emit('end'));
  }

  cancel(): void {
    this.finish(status.CANCELLED, 'Cancelled on client', true);
  }

  connectionLost(code: status, details: string): void {
    this.finish(code, details, true);
  }

  /** A message the server wrote: it travels back over the link. */
  fromServer(message: unknown): void {
    const bytes = this.definition.responseSerialize(message as never);
    this.endpoints.network.send(this.link, this.connection, 'down', bytes.length, this.endpoints.caller, `data ${this.link.name} ${this.name}`, () => {
      if (!this.finished) this.emit('data', this.definition.responseDeserialize(bytes));
    });
  }

  statusFromServer(code: status, details: string): void {
    this.endpoints.network.send(this.link, this.connection, 'down', 32, this.endpoints.caller, `status ${this.link.name} ${this.name} ${code}`, () => this.finish(code, details, false));
  }

  private open(): void {
    const { network, loop, caller } = this.endpoints;
    if (this.finished) return;
    if (!this.channel.ready()) {
      if (this.metadata.getOptions().waitForReady === true) this.stopWaiting = this.channel.wait(() => this.open());
      else loop.at(1, caller, '', () => this.finish(status.UNAVAILABLE, 'No connection established', false));
      return;
    }
    this.connection = this.link.connection;
    this.connection.riders.add(this);
    network.whenReady(this.link, this.connection, () => this.send());
  }

  /** Opens the stream on its ready connection, then sends what was written meanwhile. */
  private send(): void {
    if (this.finished) return;
    const { network } = this.endpoints;
    const target = this.endpoints.handlers(this.link.to);
    const metadata = this.metadata.clone();
    const request = this.initial === undefined ? undefined : this.definition.requestSerialize(this.initial.request as never);
    this.opened = true;
    network.send(this.link, this.connection, 'up', 64 + (request?.length ?? 0), target?.process, `open ${this.link.name} ${this.name}`, () => {
      const host = this.endpoints.handlers(this.link.to);
      if (this.finished || host === undefined) return;
      const decoded = request === undefined ? undefined : this.definition.requestDeserialize(request);
      this.server = new SimServerStream(host.process, metadata, this, decoded, this.deadline, this.definition.path);
      this.connection.riders.add(this.server);
      (host.handlers[this.name] as unknown as (call: SimServerStream) => void)(this.server);
    });
    for (const send of this.pending.splice(0)) send();
  }

  private toServer(bytes: number, label: string, deliver: () => void): void {
    const send = (): void => {
      const target = this.endpoints.handlers(this.link.to);
      this.endpoints.network.send(this.link, this.connection, 'up', bytes, target?.process, label, deliver);
    };
    if (this.opened) send();
    else this.pending.push(send);
  }

  /** Ends the stream for its caller; `tellServer`: the server hears it as a cancellation. */
  private finish(code: status, details: string, tellServer: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.stopWaiting();
    this.connection.riders.delete(this);
    const server = this.server;
    if (tellServer && server !== undefined) {
      this.endpoints.network.send(this.link, this.connection, 'up', 16, this.endpoints.handlers(this.link.to)?.process, '', () => server.cancel());
    }
    if (code === status.OK) this.emit('end');
    else this.emit('error', serviceError(code, details));
    this.emit('status', { code, details, metadata: new Metadata() } satisfies StatusObject);
  }
}
