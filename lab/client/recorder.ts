// Records a run's history (docs/history-format.md) and its nemesis events on one monotonic timeline, and
// hands out process ids: a client that got `info` gets a new process, never reusing the old one.
import { assert } from '../../models/index.js';
import type { HistoryEvent } from '../../models/index.js';

export interface NemesisEvent {
  index: number;
  type: 'start' | 'stop' | 'skip';
  step: number;
  fault: unknown;
  description: string;
  time: number;
  error?: string;
}

export class Recorder {
  readonly history: HistoryEvent[] = [];
  readonly nemesis: NemesisEvent[] = [];
  private readonly startNs: bigint;
  private readonly processOf: number[];
  private nextProcess: number;
  private lastTime = 0;
  /** Processes that got `info`: their op may still take effect, so they never invoke again (Jepsen's rule). */
  private readonly retired = new Set<number>();
  /** Processes with an op in flight: one at a time each. */
  private readonly open = new Set<number>();

  /** `elapsedNs`: the run's own timeline (the simulator's virtual one); by default the process's monotonic clock. */
  constructor(clients: number, private readonly elapsedNs?: () => number) {
    this.startNs = elapsedNs === undefined ? process.hrtime.bigint() : 0n;
    this.processOf = Array.from({ length: clients }, (_, client) => client);
    this.nextProcess = clients;
  }

  /** Nanoseconds since the run started, never going backwards. */
  now(): number {
    const time = this.elapsedNs === undefined ? Number(process.hrtime.bigint() - this.startNs) : this.elapsedNs();
    this.lastTime = Math.max(this.lastTime, time);
    return this.lastTime;
  }

  processFor(client: number): number {
    const current = this.processOf[client];
    if (current === undefined) throw new Error(`client ${client} does not exist`);
    return current;
  }

  invoke(client: number, f: string, value: unknown): number {
    const process = this.processFor(client);
    assert(!this.retired.has(process), () => `process ${process} invoked again after an info`);
    assert(!this.open.has(process), () => `process ${process} invoked with an op still in flight`);
    this.open.add(process);
    this.history.push({ index: this.history.length, process, type: 'invoke', f, value, time: this.now() });
    return process;
  }

  complete(client: number, type: 'ok' | 'fail' | 'info', f: string, value: unknown, error?: string): void {
    const process = this.processFor(client);
    assert(this.open.delete(process), () => `process ${process} completed an op it never invoked`);
    const event: HistoryEvent = { index: this.history.length, process, type, f, value, time: this.now() };
    if (error !== undefined) event.error = error;
    this.history.push(event);
    if (type === 'info') {
      this.retired.add(process);
      this.processOf[client] = this.nextProcess;
      this.nextProcess += 1;
    }
  }

  nemesisEvent(event: Omit<NemesisEvent, 'index' | 'time'>): void {
    this.nemesis.push({ ...event, index: this.nemesis.length, time: this.now() });
  }
}
