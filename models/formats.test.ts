// Tests of the history readers: each format's shapes, format detection, and validation on load with
// the 1-based line of the offending event.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairCalls } from './calls.js';
import { readEdn } from './edn.js';
import { HistoryError } from './errors.js';
import { detectFormat, parseHistory } from './formats.js';
import type { FormatChoice } from './formats.js';

const fixtures = join(import.meta.dirname, 'fixtures');

function lineOfError(text: string, format: FormatChoice): { line: number; detail: string } {
  try {
    parseHistory(text, format);
  } catch (error) {
    if (error instanceof HistoryError) {
      expect(error.code).toBe('bad-history');
      return { line: error.line, detail: error.detail };
    }
    throw error;
  }
  throw new Error('expected a HistoryError');
}

const jsonl = (events: object[]) => events.map((item) => JSON.stringify(item)).join('\n');

describe('JSONL', () => {
  it('reads events, skips blank lines and keeps file line numbers', () => {
    const text = `${jsonl([{ index: 0, process: 1, type: 'invoke', f: 'read', value: null, time: 5 }])}\n\n${jsonl([{ index: 1, process: 1, type: 'ok', f: 'read', value: 3, time: 9 }])}\n`;
    const history = parseHistory(text, 'jsonl');
    expect(history).toEqual([
      { index: 0, process: 1, type: 'invoke', f: 'read', value: null, time: 5, line: 1 },
      { index: 1, process: 1, type: 'ok', f: 'read', value: 3, time: 9, line: 3 },
    ]);
    const [call] = pairCalls(history);
    expect(call).toMatchObject({ completion: 'ok', value: 3, line: 1, completionLine: 3 });
  });

  it('rejects malformed JSON with its line', () => {
    const text = `${jsonl([{ index: 0, process: 1, type: 'invoke', f: 'read', value: null, time: 5 }])}\n{"index": 1, "process":`;
    expect(lineOfError(text, 'jsonl')).toMatchObject({ line: 2, detail: expect.stringContaining('malformed JSON') });
  });

  it('rejects an unknown type', () => {
    const text = jsonl([{ index: 0, process: 1, type: 'invoke', f: 'read', time: 1 }, { index: 1, process: 1, type: 'done', f: 'read', time: 2 }]);
    expect(lineOfError(text, 'jsonl')).toMatchObject({ line: 2, detail: expect.stringContaining("unknown type \"done\"") });
  });

  it('rejects a completion with no invoke', () => {
    const text = jsonl([{ index: 0, process: 1, type: 'invoke', f: 'read', time: 1 }, { index: 1, process: 2, type: 'ok', f: 'read', value: 1, time: 2 }]);
    expect(lineOfError(text, 'jsonl')).toMatchObject({ line: 2, detail: expect.stringContaining('no open invoke') });
  });

  it('rejects two open invokes on one process', () => {
    const text = jsonl([{ index: 0, process: 4, type: 'invoke', f: 'read', time: 1 }, { index: 1, process: 4, type: 'invoke', f: 'write', value: 2, time: 2 }]);
    expect(lineOfError(text, 'jsonl')).toMatchObject({ line: 2, detail: expect.stringContaining('still open') });
  });

  it('rejects a time that goes backwards', () => {
    const text = jsonl([
      { index: 0, process: 1, type: 'invoke', f: 'read', time: 100 },
      { index: 1, process: 2, type: 'invoke', f: 'read', time: 100 },
      { index: 2, process: 1, type: 'ok', f: 'read', value: 1, time: 99 },
    ]);
    expect(lineOfError(text, 'jsonl')).toMatchObject({ line: 3, detail: expect.stringContaining('earlier') });
  });

  it('accepts in EDN a :time that goes back between processes: events keep their file order', () => {
    const text = `[{:process 0, :type :invoke, :f :read, :time 100}
 {:process 1, :type :invoke, :f :write, :value 1, :time 90}
 {:process 1, :type :ok, :f :write, :value 1, :time 120}
 {:process 0, :type :ok, :f :read, :value 1, :time 110}]`;
    const calls = pairCalls(parseHistory(text, 'edn'), 'edn');
    expect(calls.map((call) => [call.f, call.call, call.return])).toEqual([['read', 0, 3], ['write', 1, 2]]);
  });

  it('leaves an invoke with no completion open', () => {
    const history = parseHistory(jsonl([{ index: 0, process: 1, type: 'invoke', f: 'write', value: 1, time: 1 }]), 'jsonl');
    expect(pairCalls(history)[0]).toMatchObject({ completion: 'open', return: Infinity });
  });
});

describe('EDN', () => {
  it('reads a vector of op maps with comments, nemesis ops, extra keys and nil reads', () => {
    const text = [
      '; a Knossos history',
      '[{:process 0, :type :invoke, :f :read, :value nil, :time 10, :index 0}',
      ' {:process :nemesis, :type :info, :f :start, :value nil}',
      ' {:process 0, :type :ok, :f :read, :value 3, :time 20, :index 2, :error :none} ; trailing comment',
      ' {:process 1, :type :invoke, :f :cas, :value [2 3]}',
      ' {:process 1, :type :fail, :f :cas, :value [2 3], :error [:precondition "x"]}]',
    ].join('\n');
    const history = parseHistory(text, 'edn');
    expect(history.map(({ process, type, f, value, line }) => ({ process, type, f, value, line }))).toEqual([
      { process: 0, type: 'invoke', f: 'read', value: null, line: 2 },
      { process: 0, type: 'ok', f: 'read', value: 3, line: 4 },
      { process: 1, type: 'invoke', f: 'cas', value: [2, 3], line: 5 },
      { process: 1, type: 'fail', f: 'cas', value: [2, 3], line: 6 },
    ]);
    expect(history[1]?.error).toBe('none');
    expect(history[3]?.error).toBe('["precondition","x"]');
    expect(history[2]?.time).toBe(20);
  });

  it('reads one op map a line, lists and tagged records', () => {
    const text = '#jepsen.history.Op{:process 0, :type :invoke, :f :txn, :value ([:read :x nil] [:write :y 1])}\n{:process 0, :type :ok, :f :txn, :value [[:read :x 0] [:write :y 1]]}\n';
    const history = parseHistory(text, 'edn');
    expect(history[1]?.value).toEqual([['read', 'x', 0], ['write', 'y', 1]]);
    expect(history[0]?.value).toEqual([['read', 'x', null], ['write', 'y', 1]]);
  });

  it('reports the line of a map that is never closed', () => {
    expect(lineOfError('{:process 0, :type :invoke, :f :read}\n{:process 1,\n :type :invoke', 'edn')).toMatchObject({ line: 3, detail: expect.stringContaining('opened on line 2') });
  });

  it('reports an unknown type and a completion with no invoke by line', () => {
    expect(lineOfError('{:process 0, :type :invoke, :f :read}\n{:process 0, :type :done, :f :read}', 'edn').line).toBe(2);
    expect(lineOfError('{:process 0, :type :invoke, :f :read}\n\n{:process 1, :type :ok, :f :read, :value 1}', 'edn').line).toBe(3);
  });

  it('reads strings, numbers, sets, characters and discards', () => {
    const { forms } = readEdn('"a\\"b\\n" -4 2.5 12N #{1 2} \\a #_ :gone :kept true');
    expect(forms).toEqual(['a"b\n', -4, 2.5, 12, [1, 2], 'a', 'kept', true]);
  });
});

describe("Porcupine's etcd logs", () => {
  const log = [
    'INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]',
    'INFO  jepsen.util - 2    :fail    :cas    [3 0]',
    'INFO  jepsen.util - 1\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 1\t:fail\t:read\t:timed-out',
    'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
    'INFO  jepsen.util - 0\t:invoke\t:write\t4',
    'INFO  jepsen.util - 0\t:info\t:write\t:timed-out',
  ].join('\n');

  it('reads fields split by tabs or runs of spaces, and ignores the nemesis', () => {
    const history = parseHistory(log, 'porcupine-etcd');
    expect(history.map(({ process, type, f, value }) => [process, type, f, value])).toEqual([
      [2, 'invoke', 'cas', [3, 0]], [2, 'fail', 'cas', [3, 0]], [1, 'invoke', 'read', null], [1, 'fail', 'read', 'timed-out'],
      [0, 'invoke', 'write', 4], [0, 'info', 'write', 'timed-out'],
    ]);
    expect(history[4]?.line).toBe(6);
  });

  it('reads nil, integers and a cas pair directly, and other values by the EDN reader', () => {
    const values = ['nil', '0', '-3', '12', '[1 -2]', '[1 2 3]', ':timed-out', '007'];
    const text = values.map((value, process) => `INFO  jepsen.util - ${process}\t:invoke\t:write\t${value}`).join('\n');
    const read = parseHistory(text, 'porcupine-etcd').map((event) => event.value);
    expect(read).toEqual([null, 0, -3, 12, [1, -2], [1, 2, 3], ...values.slice(6).map((value) => readEdn(value).forms[0])]);
  });

  it('rejects a malformed line and an unknown type with their lines', () => {
    expect(lineOfError(`${log}\nINFO  jepsen.util - 3`, 'porcupine-etcd').line).toBe(8);
    expect(lineOfError('INFO  jepsen.util - 3\t:invoke\t:read\tnil\nINFO  jepsen.util - 3\t:done\t:read\t1', 'porcupine-etcd').line).toBe(2);
  });
});

describe("Porcupine's kv logs", () => {
  it('moves :key into the value', () => {
    const history = parseHistory('{:process 0, :type :invoke, :f :get, :key "7", :value nil}\n{:process 0, :type :ok, :f :get, :key "7", :value "x 0 0 y"}', 'porcupine-kv');
    expect(history.map((item) => item.value)).toEqual([{ key: '7', value: null }, { key: '7', value: 'x 0 0 y' }]);
  });

  it('reads its one-map-a-line layout by lines as the EDN reader reads it', () => {
    const text = readFileSync(join(fixtures, 'kv-bad.txt'), 'utf8');
    // A leading space leaves the line pattern and goes to the EDN reader: the same events either way.
    const byReader = parseHistory(text.split('\n').map((line) => (line === '' ? line : ` ${line}`)).join('\n'), 'porcupine-kv');
    expect(byReader.length).toBe(8);
    expect(parseHistory(text, 'porcupine-kv')).toEqual(byReader);
    const escaped = parseHistory('{:process 0, :type :invoke, :f :put, :key "a\\"b", :value "x"}\n{:process 0, :type :ok, :f :put, :key "a\\"b", :value "x"}', 'porcupine-kv');
    expect(escaped[0]?.value).toEqual({ key: 'a"b', value: 'x' });
  });
});

describe('detectFormat', () => {
  it('tells each format from its first line', () => {
    expect(detectFormat('\n{"index":0,"process":1,"type":"invoke","f":"read","value":null,"time":1}')).toBe('jsonl');
    expect(detectFormat('; comment\n[{:process 0, :type :invoke, :f :read, :value nil}]')).toBe('edn');
    expect(detectFormat('{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}')).toBe('porcupine-kv');
    expect(detectFormat('INFO  jepsen.util - 0\t:invoke\t:read\tnil')).toBe('porcupine-etcd');
    expect(() => detectFormat('hello')).toThrow(HistoryError);
  });
});

describe('integers beyond 2^53', () => {
  it('are refused with their line, never rounded, in JSONL and EDN; 2^53 - 1 and floats are read', () => {
    const jsonlText = '{"process":0,"type":"invoke","f":"write","value":null}\n{"process":0,"type":"ok","f":"write","value":[1,{"x":-9007199254740993}]}';
    expect(lineOfError(jsonlText, 'jsonl')).toMatchObject({ line: 2, detail: expect.stringContaining('-9007199254740993 is an integer beyond 2^53') });
    expect(lineOfError('{"process":0,"type":"invoke","f":"write","value":1e300}', 'jsonl')).toMatchObject({ line: 1, detail: expect.stringContaining('1e300') });
    expect(lineOfError('{:process 0, :type :invoke, :f :write, :value 9007199254740992N}', 'edn')).toMatchObject({ line: 1, detail: expect.stringContaining('beyond 2^53') });
    const safe = parseHistory('{"process":0,"type":"invoke","f":"write","value":9007199254740991,"time":0.5e3}', 'jsonl');
    expect(safe[0]).toMatchObject({ value: 9007199254740991, time: 500 });
    expect(parseHistory('{:process 0, :type :invoke, :f :write, :value 1.5e300}', 'edn')[0]?.value).toBe(1.5e300);
  });
});
