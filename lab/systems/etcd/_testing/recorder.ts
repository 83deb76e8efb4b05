// Records a history the way the runner will: an invoke before each op and its completion after, times
// in monotonic nanoseconds, and a fresh process number for a client whose op ended `info` (Jepsen's rule).
import type { History } from '../../../../models/index.js';
import type { OpOutcome, SystemClient, SystemOp } from '../../index.js';

export class Recorder {
  readonly history: History = [];
  private readonly started = process.hrtime.bigint();
  private readonly processes = new Map<number, number>();
  private nextProcess = 1_000;

  constructor(private readonly client: SystemClient) {}

  private now(): number {
    return Number(process.hrtime.bigint() - this.started);
  }

  async perform(op: SystemOp, address: string, deadlineMs: number): Promise<OpOutcome> {
    const process = this.processes.get(op.client) ?? op.client;
    this.history.push({ index: this.history.length, process, type: 'invoke', f: op.f, value: op.input, time: this.now() });
    const outcome = await this.client.perform(op, address, deadlineMs);
    const error = outcome.error === undefined ? {} : { error: outcome.error };
    this.history.push({ index: this.history.length, process, type: outcome.type, f: op.f, value: outcome.value, time: this.now(), ...error });
    if (outcome.type === 'info') this.processes.set(op.client, (this.nextProcess += 1));
    return outcome;
  }

  count(type: OpOutcome['type'], f?: string): number {
    return this.history.filter((event) => event.type === type && (f === undefined || event.f === f)).length;
  }
}
