// Hard register histories for `npm run bench:checker`, written as Jepsen etcd logs so that faultline
// and Porcupine read the same files: many concurrent writers, many writes that time out (each may
// take effect at any later time, or never), and one stale read placed last, so that no order of the
// timed-out writes explains it and the search has to try them all before it can say illegal.
import seedrandom from 'seedrandom';

export interface HardRegisterConstraints {
  seed: string;
  /** Clients writing at once; each timed-out write retires its process, as Jepsen does. */
  writers: number;
  /** Clients reading at once. */
  readers: number;
  operations: number;
  /** Writes that time out, over the whole history. */
  timedOutWrites: number;
  /** The chance that a timed-out write took effect (default 0.5); read values keep it in the search. */
  timedOutApplied?: number;
}

interface Planned {
  process: number;
  f: 'read' | 'write';
  value: number | null;
  call: number;
  end: number;
  point: number;
  /** A timed-out write: no completion but an :info; it takes effect at `point` or never. */
  timedOut: boolean;
  applied: boolean;
}

/** Each client runs its ops one after another; which of the writes time out is drawn up front. */
function plan(constraints: HardRegisterConstraints, random: () => number): Planned[] {
  const { writers, readers, operations, timedOutWrites } = constraints;
  const clients = writers + readers;
  const clock = Array.from({ length: clients }, () => random());
  const processOf = Array.from({ length: clients }, (_, client) => client);
  const writes = Math.round((operations * writers) / clients);
  const timedOut = new Set<number>();
  while (timedOut.size < Math.min(timedOutWrites, writes)) timedOut.add(Math.floor(random() * writes));
  const planned: Planned[] = [];
  let written = 0;
  for (let made = 0; made < operations; made += 1) {
    const client = clock.indexOf(Math.min(...clock));
    const writer = client < writers && written < writes;
    const late = writer && timedOut.has(written);
    const call = (clock[client] as number) + random() * 0.3;
    const latency = late ? 3 + random() * 3 : 0.5 + random() * 2;
    const process = processOf[client] as number;
    planned.push({ process, f: writer ? 'write' : 'read', value: writer ? written + 1 : null, call, end: call + latency, point: call + random() * latency, timedOut: late, applied: !late || random() < (constraints.timedOutApplied ?? 0.5) });
    if (writer) written += 1;
    clock[client] = call + latency;
    if (late) processOf[client] = process + clients;
  }
  return planned;
}

/** Reads see the register at their point; then one last read returns the first completed write's value. */
function execute(planned: Planned[], readerProcess: number): Planned[] {
  let value: number | null = null;
  for (const operation of [...planned].sort((a, b) => a.point - b.point)) {
    if (operation.f === 'write' && operation.applied) value = operation.value;
    if (operation.f === 'read') operation.value = value;
  }
  const stale = planned.find((operation) => operation.f === 'write' && !operation.timedOut);
  const last = Math.max(...planned.map((operation) => operation.end));
  planned.push({ process: readerProcess, f: 'read', value: stale?.value ?? -1, call: last + 1, end: last + 2, point: last + 1.5, timedOut: false, applied: true });
  return planned;
}

export function hardRegisterLog(constraints: HardRegisterConstraints): string {
  const random = seedrandom(constraints.seed);
  const planned = execute(plan(constraints, random), 1_000_000);
  const events: { at: number; line: string }[] = [];
  for (const operation of planned) {
    const invoked = operation.f === 'write' ? String(operation.value) : 'nil';
    events.push({ at: operation.call, line: `${operation.process}\t:invoke\t:${operation.f}\t${invoked}` });
    const completion = operation.timedOut ? `:info\t:write\t:timed-out` : `:ok\t:${operation.f}\t${operation.value ?? 'nil'}`;
    events.push({ at: operation.end, line: `${operation.process}\t${completion}` });
  }
  events.sort((a, b) => a.at - b.at);
  return `${events.map((event) => `INFO  jepsen.util - ${event.line}`).join('\n')}\n`;
}
