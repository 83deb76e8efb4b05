// Reads histories in the formats users bring: faultline's JSONL, Jepsen/Knossos EDN, Porcupine's etcd
// logs and Porcupine's kv logs, into one event list, validated on load. Try it:
// `npx faultline check models/fixtures/register-stale-read-bad.log`.
import { pairCalls } from './calls.js';
import type { HistoryFormat } from './calls.js';
import { readEdn, readEdnValue } from './edn.js';
import type { EdnMap, EdnValue } from './edn.js';
import { HistoryError } from './errors.js';
import type { EventType, History, HistoryEvent } from './history.js';

export type FormatChoice = HistoryFormat | 'auto';

export const historyFormats: readonly HistoryFormat[] = ['jsonl', 'edn', 'porcupine-etcd', 'porcupine-kv'];

const eventTypes: ReadonlySet<string> = new Set<EventType>(['invoke', 'ok', 'fail', 'info']);
const kvFunctions: ReadonlySet<string> = new Set(['get', 'put', 'append']);
const etcdLinePattern = /^\s*INFO\s+jepsen\.util\s+-\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*?))?\s*$/;

/** Reads `text` as `format` ('auto' detects it) and validates it; throws HistoryError with a line. */
export function parseHistory(text: string, format: FormatChoice = 'auto'): History {
  const resolved = format === 'auto' ? detectFormat(text) : format;
  const history = readEvents(text, resolved);
  pairCalls(history, resolved);
  return history;
}

function readEvents(text: string, format: HistoryFormat): History {
  switch (format) {
    case 'jsonl':
      return readJsonl(text);
    case 'edn':
      return readEdnHistory(text, false);
    case 'porcupine-kv':
      return readKvLines(text) ?? readEdnHistory(text, true);
    case 'porcupine-etcd':
      return readEtcdLog(text);
  }
}

/** Tells the format from the first line that is not blank or a comment. */
export function detectFormat(text: string): HistoryFormat {
  const lines = text.split('\n');
  const first = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith(';'));
  if (first === -1) return 'jsonl';
  const line = (lines[first] as string).trim();
  if (/jepsen\.util\s+-/.test(line)) return 'porcupine-etcd';
  if (line.startsWith('{"') || line === '{}') return 'jsonl';
  if (/^[[({#]/.test(line)) {
    const kvShaped = /:key\s/.test(line) && /:f\s+:(get|put|append)\b/.test(line);
    return kvShaped ? 'porcupine-kv' : 'edn';
  }
  throw new HistoryError(first + 1, 'cannot tell the history format from this line; pass --format');
}

function readJsonl(text: string): History {
  const events: History = [];
  text.split('\n').forEach((raw, lineIndex) => {
    if (raw.trim() === '') return;
    const line = lineIndex + 1;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (error) {
      throw new HistoryError(line, `malformed JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new HistoryError(line, 'malformed JSON: an event must be an object');
    }
    if (mayHoldInexactNumber.test(raw)) refuseInexactNumbers(record, raw, line);
    const event = eventFrom(record as Record<string, unknown>, line, events);
    if (event !== undefined) events.push(event);
  });
  return events;
}

/**
 * JSON.parse rounds an integer beyond 2^53 to the nearest double, so a write of ...999 and a read of
 * ...998 would compare equal. Such a number is refused (exit 65), never rounded silently. Only lines
 * with 16 digits in a row or an exponent can hold one, so only those are walked.
 */
const mayHoldInexactNumber = /\d{16}|\d[eE]/;
const longNumberPattern = /-?\d{16,}(?:\.\d+)?(?:[eE][+-]?\d+)?|-?\d+(?:\.\d+)?[eE][+-]?\d+/;

function refuseInexactNumbers(record: unknown, raw: string, line: number): void {
  if (!hasInexactInteger(record)) return;
  const literal = longNumberPattern.exec(raw)?.[0] ?? 'a number';
  throw new HistoryError(line, `${literal} is an integer beyond 2^53, where a double no longer holds every integer exactly; faultline refuses it rather than compare rounded values`);
}

function hasInexactInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(hasInexactInteger);
}

function isNemesis(process: unknown): boolean {
  return process === 'nemesis' || process === ':nemesis';
}

/** Builds one event from a decoded record; undefined for the nemesis, whose ops are not checked. */
function eventFrom(record: Record<string, unknown>, line: number, previous: History): HistoryEvent | undefined {
  const { process, type, f } = record;
  if (isNemesis(process)) return undefined;
  if (typeof type !== 'string' || !eventTypes.has(type)) throw new HistoryError(line, `unknown type ${JSON.stringify(type)}`);
  if (typeof process !== 'number' || !Number.isInteger(process)) {
    throw new HistoryError(line, `process must be an integer, got ${JSON.stringify(process)}`);
  }
  if (typeof f !== 'string') throw new HistoryError(line, `f must be a string, got ${JSON.stringify(f)}`);
  const time = readTime(record.time, line, previous);
  const index = typeof record.index === 'number' && Number.isInteger(record.index) ? record.index : previous.length;
  const event: HistoryEvent = { index, process, type: type as EventType, f, value: record.value ?? null, time, line };
  if (record.error !== undefined && record.error !== null) {
    event.error = typeof record.error === 'string' ? record.error : JSON.stringify(record.error);
  }
  return event;
}

// A history without times keeps its events' order; a missing time repeats the previous one.
function readTime(time: unknown, line: number, previous: History): number {
  if (time === undefined || time === null) return previous.at(-1)?.time ?? 0;
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new HistoryError(line, `time must be a number, got ${JSON.stringify(time)}`);
  return time;
}

function readEdnHistory(text: string, kvShaped: boolean): History {
  const { forms, lines } = readEdn(text);
  const only = forms[0];
  const records = forms.length === 1 && Array.isArray(only) ? only : forms;
  const events: History = [];
  for (const record of records) {
    const line = (typeof record === 'object' && record !== null ? lines.get(record) : undefined) ?? 1;
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new HistoryError(line, `expected an op map such as {:process 0, :type :invoke, ...}, got ${JSON.stringify(record)}`);
    }
    const fields: Record<string, unknown> = kvShaped ? { ...record, value: kvValue(record, line) } : record;
    const event = eventFrom(fields, line, events);
    if (event !== undefined) events.push(event);
  }
  return events;
}

/**
 * Porcupine's kv logs as its own reader takes them: one op map a line, in one layout. A line pattern
 * reads them without the EDN reader's objects (its six logs, 9,148 lines: the reader was a fifth of a
 * batch's CPU on them, most of it before V8 had compiled it). Undefined when any line is otherwise (an
 * escape in a string, another layout or spacing, a comment, a vector around the maps): the EDN reader
 * then reads the file, and gives the same events where both read it.
 */
const kvLinePattern = /^\{:process (0|[1-9]\d{0,14}), :type :(invoke|ok|fail|info), :f :(get|put|append), :key "([^"\\]*)", :value (?:nil|"([^"\\]*)")\}$/;

function readKvLines(text: string): History | undefined {
  const events: History = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const raw = lines[index] as string;
    if (raw.length === 0) continue;
    const match = kvLinePattern.exec(raw);
    if (match === null) return undefined;
    const [, process = '', type = '', f = '', key = '', value] = match;
    // As eventFrom builds it from the map: no :time, so the previous event's (0); the value holds the key.
    events.push({ index: events.length, process: Number(process), type: type as EventType, f, value: { key, value: value ?? null }, time: 0, line: index + 1 });
  }
  return events;
}

/** An etcd log's value: nil, an integer, or a cas's [expected new] read directly; anything else by the EDN reader. */
const etcdIntegerPattern = /^(?:0|-?[1-9]\d{0,14})$/;
const etcdPairPattern = /^\[((?:0|-?[1-9]\d{0,14})) ((?:0|-?[1-9]\d{0,14}))\]$/;

function etcdValue(text: string, line: number): EdnValue {
  if (text === 'nil') return null;
  if (etcdIntegerPattern.test(text)) return Number(text);
  const pair = etcdPairPattern.exec(text);
  if (pair !== null) return [Number(pair[1]), Number(pair[2])];
  return readEdnValue(text, line);
}

// Porcupine's kv logs put the key beside the value; faultline's kv values hold both.
function kvValue(record: EdnMap, line: number): EdnValue {
  const f = record.f;
  if (typeof f === 'string' && kvFunctions.has(f) && typeof record.key !== 'string') {
    throw new HistoryError(line, `a kv op needs a string :key, got ${JSON.stringify(record.key ?? null)}`);
  }
  const value = record.value ?? null;
  return { key: record.key ?? null, value };
}

function readEtcdLog(text: string): History {
  const events: History = [];
  text.split('\n').forEach((raw, lineIndex) => {
    const line = lineIndex + 1;
    if (raw.trim() === '' || !raw.includes('jepsen.util')) return;
    const match = etcdLinePattern.exec(raw);
    if (match === null) throw new HistoryError(line, `expected 'INFO jepsen.util - PROCESS :TYPE :F VALUE', got '${raw.trim()}'`);
    const [, processText = '', typeText = '', fText = '', valueText = 'nil'] = match;
    if (processText === ':nemesis') return;
    const type = typeText.replace(/^:/, '');
    if (!eventTypes.has(type)) throw new HistoryError(line, `unknown type '${typeText}'`);
    if (!/^\d+$/.test(processText)) throw new HistoryError(line, `process must be an integer, got '${processText}'`);
    const value = valueText === '' ? null : etcdValue(valueText, line);
    events.push({ index: events.length, process: Number(processText), type: type as EventType, f: fText.replace(/^:/, ''), value, time: line, line });
  });
  return events;
}
