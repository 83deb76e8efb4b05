// trace.jsonl of a simulated run: every delivered message, timer and fault with its virtual time,
// one JSON object a line. Two runs of a seed must write the same bytes; `firstDifference` names the
// first line where they do not. Try it: `const trace = new Trace(1e6); trace.event(1.5, 'timer b1'); trace.text()`.
import { SimLimitError } from './limits.js';

export class Trace {
  private readonly lines: string[] = [];
  private bytes = 0;

  constructor(private readonly bytesMax: number) {}

  /** One line: the virtual time in ms and what happened (`label` is already JSON-safe text). */
  event(atMs: number, label: string): void {
    const line = `{"t":${Math.round(atMs * 1000) / 1000},"e":${JSON.stringify(label)}}`;
    this.bytes += line.length + 1;
    if (this.bytes > this.bytesMax) throw new SimLimitError('traceBytesMax', `the trace passed ${this.bytesMax} bytes`);
    this.lines.push(line);
  }

  get length(): number {
    return this.lines.length;
  }

  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }

  list(): readonly string[] {
    return this.lines;
  }
}

/** The first line where two traces differ, as its number (from 1) and both lines; undefined when equal. */
export function firstDifference(a: readonly string[], b: readonly string[]): { line: number; first: string; second: string } | undefined {
  const length = Math.max(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    if (a[index] !== b[index]) return { line: index + 1, first: a[index] ?? '(end of trace)', second: b[index] ?? '(end of trace)' };
  }
  return undefined;
}
