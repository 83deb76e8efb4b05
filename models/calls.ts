// Pairs a history's events into calls (an invoke and its completion) and validates the history on
// the way; a model's `decode` then turns calls into operations. Try it: `npx vitest run models/formats.test.ts`.
import { HistoryError } from './errors.js';
import type { Call, EventType, History, HistoryEvent, HistoryFormat } from './history.js';
import type { AnyModel, Operation } from './model.js';

export type { Call, Completion, HistoryFormat } from './history.js';

const eventTypes: ReadonlySet<string> = new Set<EventType>(['invoke', 'ok', 'fail', 'info']);

function lineOf(event: HistoryEvent, position: number): number {
  return event.line ?? position + 1;
}

/**
 * How each format orders a history's events. Every format orders them by their position in the file;
 * faultline's own JSONL also promises monotonic times, so a time going backwards there is bad data. In
 * Knossos's and Jepsen's EDN (and Porcupine's kv logs, which are EDN) `:time` is informational: each
 * process reads its own clock, which may run microseconds behind another's, and Knossos accepts that.
 * Porcupine's etcd logs carry no time; a line's position is its time.
 */
export const orderRules: Record<HistoryFormat, string> = {
  jsonl: 'events in file order; time must never go backwards',
  edn: 'events in file order; :time is informational (as in Knossos)',
  'porcupine-kv': 'events in file order (as in Porcupine)',
  'porcupine-etcd': 'events in file order (as in Porcupine)',
};

/** Whether a format's times must be monotonic; see orderRules. */
export function timesMustRise(format: HistoryFormat): boolean {
  return format === 'jsonl';
}

/**
 * Validates the history (a completion with no invoke, two open invokes on one process, a time going
 * backwards where the format forbids it, an unknown type) and pairs each invoke with the next
 * completion of its process. Calls are ordered by their events' positions, never by time.
 */
export function pairCalls(history: History, format: HistoryFormat = 'jsonl'): Call[] {
  const checkTimes = timesMustRise(format);
  const calls: Call[] = [];
  const open = new Map<number, Call>();
  let lastTime = -Infinity;
  history.forEach((event, position) => {
    const line = lineOf(event, position);
    if (!eventTypes.has(event.type)) throw new HistoryError(line, `unknown type '${String(event.type)}'`);
    if (typeof event.process !== 'number' || !Number.isInteger(event.process)) {
      throw new HistoryError(line, `process must be an integer, got ${JSON.stringify(event.process)}`);
    }
    if (typeof event.f !== 'string') throw new HistoryError(line, `f must be a string, got ${JSON.stringify(event.f)}`);
    if (checkTimes && typeof event.time === 'number') {
      if (event.time < lastTime) throw new HistoryError(line, `time ${event.time} is earlier than the previous event's ${lastTime}`);
      lastTime = event.time;
    }
    const pending = open.get(event.process);
    if (event.type === 'invoke') {
      if (pending !== undefined) {
        throw new HistoryError(line, `process ${event.process} invokes ${event.f} while its ${pending.f} from line ${pending.line} is still open`);
      }
      const call: Call = {
        process: event.process, f: event.f, invoke: event.value, completion: 'open', value: undefined, error: undefined,
        index: typeof event.index === 'number' ? event.index : position, line, completionLine: undefined, call: position, return: Infinity,
      };
      calls.push(call);
      open.set(event.process, call);
      return;
    }
    if (pending === undefined) throw new HistoryError(line, `${event.type} completion of ${event.f} for process ${event.process}, which has no open invoke`);
    if (pending.f !== event.f) {
      throw new HistoryError(line, `${event.type} completion of ${event.f} for process ${event.process}, whose open invoke (line ${pending.line}) is ${pending.f}`);
    }
    pending.completion = event.type;
    pending.value = event.value;
    pending.error = event.error;
    pending.completionLine = line;
    pending.return = event.type === 'info' ? Infinity : position;
    open.delete(event.process);
  });
  return calls;
}

/** Decodes calls into the model's operations, dropping those the model says cannot matter. */
export function toOperations(model: AnyModel, calls: readonly Call[], dialect: HistoryFormat): Operation[] {
  const operations: Operation[] = [];
  for (const call of calls) {
    const decoded = model.decode(call, dialect);
    if (decoded === undefined) continue;
    const unfinished = call.completion === 'info' || call.completion === 'open';
    operations.push({
      id: operations.length, process: call.process, input: decoded.input, output: decoded.output,
      call: call.call, return: unfinished ? Infinity : call.return, index: call.index,
    });
  }
  return operations;
}
