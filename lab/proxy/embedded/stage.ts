// One toxic acting on one direction of one connection (the real server's ToxicStub): a queue of
// chunks in, a pipe that decides what goes out and when, and an interrupt to change or remove it.
import { performance } from 'node:perf_hooks';
import type { ToxicRandom } from './decisions.js';
import type { Toxic } from './toxic.js';

export interface Chunk {
  data: Buffer;
  /** performance.now() when the proxy read it; latency moves it on, as the real server does. */
  timestamp: number;
}

/** Whoever takes a stage's output: the next stage, or the sink that writes to the socket. */
export interface ChunkReceiver {
  /** A chunk, or null for end of stream. */
  push(chunk: Chunk | null): void;
}

/** Told about bytes that will never reach the socket, so the link's backpressure stays exact. */
export interface DropCounter {
  dropped(bytes: number): void;
}

export type Taken = Chunk | null | 'interrupted' | 'elapsed';

export type Pipe = (stage: Stage) => Promise<void>;

export class Stage implements ChunkReceiver {
  next: ChunkReceiver;
  /** limit_data's bytes so far on this connection; kept across restarts, as the real server does. */
  bytesTransmitted = 0;
  private readonly queue: (Chunk | null)[] = [];
  private inputEnded = false;
  private outputClosed = false;
  private interrupting = false;
  private disposed = false;
  private running: Promise<void> = Promise.resolve();
  private wakeTaker: (() => void) | undefined;
  private wakeSleeper: (() => void) | undefined;

  constructor(
    readonly toxic: Toxic,
    next: ChunkReceiver,
    readonly random: ToxicRandom,
    private readonly counter: DropCounter,
    private readonly pipeOf: (toxic: Toxic, applied: boolean) => Pipe,
  ) {
    this.next = next;
  }

  /** Rolls the toxicity (every run of the pipe rolls, as in the real server) and runs the pipe. */
  start(): void {
    const pipe = this.pipeOf(this.toxic, this.random.roll(this.toxic.toxicity));
    this.running = pipe(this);
  }

  push(chunk: Chunk | null): void {
    if (this.outputClosed || this.disposed) {
      if (chunk !== null) this.counter.dropped(chunk.data.length);
      return;
    }
    this.queue.push(chunk);
    this.wakeTaker?.();
  }

  get closed(): boolean {
    return this.outputClosed;
  }

  /** The next chunk; null once the input ended (again on every call, like a closed Go channel). */
  take(timeoutMs?: number): Promise<Taken> {
    if (this.interrupting || this.disposed) return Promise.resolve('interrupted');
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      if (chunk === null) this.inputEnded = true;
      return Promise.resolve(chunk);
    }
    if (this.inputEnded) return Promise.resolve(null);
    return new Promise<Taken>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish('elapsed'), timeoutMs);
      const finish = (taken: Taken): void => {
        clearTimeout(timer);
        this.wakeTaker = undefined;
        this.wakeSleeper = undefined;
        resolve(taken);
      };
      this.wakeTaker = () => finish(this.takeQueued());
      this.wakeSleeper = () => finish('interrupted');
    });
  }

  private takeQueued(): Taken {
    const chunk = this.queue.shift();
    if (chunk === null) this.inputEnded = true;
    return chunk === undefined ? 'interrupted' : chunk;
  }

  /** Waits; false when interrupted first. Under a millisecond it yields instead: timers are 1 ms coarse. */
  sleep(milliseconds: number): Promise<boolean> {
    if (this.interrupting || this.disposed) return Promise.resolve(false);
    if (milliseconds <= 0) return Promise.resolve(true);
    if (milliseconds < 1) return this.spin(performance.now() + milliseconds);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(true), milliseconds);
      const finish = (elapsed: boolean): void => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve(elapsed);
      };
      this.wakeSleeper = () => finish(false);
    });
  }

  private async spin(deadline: number): Promise<boolean> {
    while (performance.now() < deadline) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.interrupting || this.disposed) return false;
    }
    return true;
  }

  /** A sleep nothing can cut short (reset_peer's wait in the real server). */
  sleepThrough(milliseconds: number): Promise<void> {
    if (this.disposed || milliseconds <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => setTimeout(resolve, milliseconds));
  }

  emit(chunk: Chunk): void {
    if (this.disposed) return;
    this.next.push(chunk);
  }

  drop(bytes: number): void {
    if (bytes > 0) this.counter.dropped(bytes);
  }

  /** Ends this stage's output: the next stage or the socket sees end of stream. Data still queued is lost. */
  close(): void {
    if (this.outputClosed) return;
    this.outputClosed = true;
    for (const chunk of this.queue.splice(0)) if (chunk !== null) this.counter.dropped(chunk.data.length);
    if (!this.disposed) this.next.push(null);
  }

  /** Stops the pipe so the toxic can change or go; false when the stage had already closed. */
  async interrupt(): Promise<boolean> {
    if (this.outputClosed) return false;
    this.interrupting = true;
    this.wakeSleeper?.();
    await this.running;
    this.interrupting = false;
    return !this.outputClosed;
  }

  /** After an interrupt, for a removed toxic: what waits here goes on unchanged, an ended input too. */
  flush(): void {
    for (const chunk of this.queue.splice(0)) {
      if (chunk === null) this.inputEnded = true;
      else this.next.push(chunk);
    }
    if (this.inputEnded && !this.outputClosed) {
      this.outputClosed = true;
      this.next.push(null);
    }
  }

  /** The connection is gone: stop every timer and let the pipe return. */
  dispose(): void {
    this.disposed = true;
    this.queue.length = 0;
    this.wakeSleeper?.();
  }
}
