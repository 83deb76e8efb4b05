// Tests of `faultline check`, run in-process through the CLI's main: every hand-written fixture gives
// its verdict and exit code, and usage, bad data, plan.json and the time budget behave as documented.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../_testing/capture-output.js';
import { main } from '../main.js';

const fixturesDirectory = join(import.meta.dirname, '../../../models/fixtures');

interface Fixture {
  file: string;
  model: string;
  format: string;
  initial?: string;
  verdict: 'ok' | 'illegal';
}

const { fixtures } = JSON.parse(readFileSync(join(fixturesDirectory, 'fixtures.json'), 'utf8')) as { fixtures: Fixture[] };
const exitOf = { ok: 0, illegal: 1, unknown: 2 } as const;

const output = captureOutput();

const scratch = mkdtempSync(join(tmpdir(), 'faultline-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const jsonl = (events: object[]) => `${events.map((item) => JSON.stringify(item)).join('\n')}\n`;

describe('faultline check on the fixtures', () => {
  it('lists every fixture file, and names each after its verdict', () => {
    const files = readdirSync(fixturesDirectory, { withFileTypes: true }).filter((entry) => entry.isFile() && entry.name !== 'fixtures.json').map((entry) => entry.name).sort();
    expect(fixtures.map((fixture) => fixture.file).sort()).toEqual(files);
    for (const fixture of fixtures) expect(fixture.file.includes(fixture.verdict === 'ok' ? '-ok.' : '-bad.')).toBe(true);
  });

  for (const fixture of fixtures) {
    it(`${fixture.file}: ${fixture.verdict} with --model ${fixture.model} --format ${fixture.format}`, async () => {
      const initial = fixture.initial === undefined ? [] : ['--initial', fixture.initial];
      const code = await main(['check', join(fixturesDirectory, fixture.file), '--model', fixture.model, '--format', fixture.format, ...initial, '--json']);
      const summary = JSON.parse(output.stdout) as { verdict: string; model: string; format: string };
      expect(summary).toMatchObject({ verdict: fixture.verdict, model: fixture.model, format: fixture.format });
      expect(code).toBe(exitOf[fixture.verdict]);
    });

    it(`${fixture.file}: the same verdict with the format detected and the model inferred`, async () => {
      const initial = fixture.initial === undefined ? [] : ['--initial', fixture.initial];
      const code = await main(['check', join(fixturesDirectory, fixture.file), ...initial, '--json']);
      const summary = JSON.parse(output.stdout) as { verdict: string; format: string };
      expect(summary.format).toBe(fixture.format);
      expect(code).toBe(exitOf[fixture.verdict]);
    });
  }
});

describe('faultline check', () => {
  it('explains a violation in words', async () => {
    const code = await main(['check', join(fixturesDirectory, 'bank-lost-update-bad.jsonl'), '--initial', '{"a1":100,"a2":50}']);
    expect(code).toBe(1);
    expect(output.stdout).toContain('illegal: not linearizable');
    expect(output.stdout).toContain('deposit(a1, 10) → 110');
    expect(output.stdout).toMatch(/Then op 1 \(process 2, deposit\(a1, 20\) → 120\) has no legal point/);
  });

  it('prints one JSON object with the verdict, counts, time, reason and witness', async () => {
    await main(['check', join(fixturesDirectory, 'register-ok.log'), '--json']);
    const summary = JSON.parse(output.stdout) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['verdict', 'ops', 'partitions', 'ms', 'reason', 'witness']));
    expect(summary).toMatchObject({ verdict: 'ok', ops: 7, partitions: 1, reason: null, witness: { kind: 'linearization' } });
  });

  it('takes initial balances from plan.json beside the history', async () => {
    const directory = mkdtempSync(join(scratch, 'run-'));
    writeFileSync(join(directory, 'plan.json'), JSON.stringify({ workload: { accounts: [{ account: 'a1', balance: 7 }] } }));
    const history = join(directory, 'history.jsonl');
    writeFileSync(history, jsonl([
      { index: 0, process: 1, type: 'invoke', f: 'query', value: { account: 'a1' }, time: 1 },
      { index: 1, process: 1, type: 'ok', f: 'query', value: { account: 'a1', balance: 7 }, time: 2 },
    ]));
    expect(await main(['check', history])).toBe(0);
    // Without plan.json every account starts at 0, so the same read of 7 is a violation.
    const alone = write('alone.jsonl', readFileSync(history, 'utf8'));
    expect(await main(['check', alone, '--model', 'bank'])).toBe(1);
  });

  it('ends unknown with exit 2 when the time budget runs out', async () => {
    // The timed-out cas keeps the register from leaving out the writes nobody read.
    const events: object[] = [{ index: 0, process: 98, type: 'invoke', f: 'cas', value: [100, 101], time: 0 }, { index: 0, process: 98, type: 'info', f: 'cas', value: [100, 101], time: 0 }];
    for (let process = 0; process < 40; process += 1) events.push({ index: 0, process, type: 'invoke', f: 'write', value: process + 1, time: 0 });
    for (let process = 0; process < 40; process += 1) events.push({ index: 0, process, type: 'info', f: 'write', value: process + 1, time: 0 });
    for (const value of [1, 2, 1]) events.push({ index: 0, process: 99, type: 'invoke', f: 'read', value: null, time: 0 }, { index: 0, process: 99, type: 'ok', f: 'read', value, time: 0 });
    const path = write('pile-up.jsonl', jsonl(events.map((item, index) => ({ ...item, index, time: index }))));
    expect(await main(['check', path, '--model', 'register', '--timeout-ms', '200'])).toBe(2);
    expect(output.stdout).toContain('unknown: no verdict within the budget');
    expect(output.stdout).toContain('warning: partition 1 has 41 info operations');
  });

  it('exits 64 on usage errors', async () => {
    expect(await main(['check'])).toBe(64);
    expect(await main(['check', 'a', 'b'])).toBe(64);
    expect(await main(['check', join(fixturesDirectory, 'register-ok.log'), '--model', 'queue'])).toBe(64);
    expect(await main(['check', join(fixturesDirectory, 'register-ok.log'), '--timeout-ms', 'soon'])).toBe(64);
    expect(await main(['check', join(fixturesDirectory, 'bank-ok.jsonl'), '--initial', '{"a1":'])).toBe(64);
    expect(await main(['check', join(scratch, 'missing.jsonl')])).toBe(64);
    expect(output.stderr).toContain('missing.jsonl');
  });

  it('exits 65 with the line number on bad data', async () => {
    const path = write('orphan.jsonl', jsonl([
      { index: 0, process: 1, type: 'invoke', f: 'read', value: null, time: 1 },
      { index: 1, process: 2, type: 'ok', f: 'read', value: 1, time: 2 },
    ]));
    expect(await main(['check', path])).toBe(65);
    expect(output.stderr).toContain('line 2: ok completion of read for process 2, which has no open invoke');
    expect(await main(['check', join(fixturesDirectory, 'bank-ok.jsonl'), '--initial', '{"a1":100}'])).toBe(65);
    expect(output.stderr).toContain("which has no initial balance");
  });
});

describe('faultline check of many files', () => {
  const lines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

  it('checks a folder with one JSON line a file and a summary; the verdicts are the same at --jobs 1 and 2', async () => {
    const byJobs: Record<string, unknown>[][] = [];
    for (const jobs of ['1', '2']) {
      const code = await main(['check', fixturesDirectory, '--json', '--jobs', jobs, '--model', 'register', '--format', 'porcupine-etcd']);
      expect(code).toBe(1);
      byJobs.push(lines(output.stdout));
      output.stdout = '';
    }
    const [one, two] = byJobs as [Record<string, unknown>[], Record<string, unknown>[]];
    const verdicts = (records: Record<string, unknown>[]) => records.filter((record) => 'file' in record).map((record) => [record.file, record.verdict]);
    expect(verdicts(two)).toEqual(verdicts(one));
    const logs = one.filter((record) => typeof record.file === 'string' && record.file.endsWith('.log'));
    expect(logs.map((record) => record.verdict)).toEqual(['illegal', 'ok', 'illegal']);
    expect(one.at(-1)).toMatchObject({ summary: { files: fixtures.length, exit: 1 } });
  });

  it('reports a binary file, a truncated file and an empty folder on one line each, and checks the rest', async () => {
    const binary = write('binary.edn', '');
    writeFileSync(binary, Buffer.from([0x7b, 0x00, 0x01, 0xff, 0x00]));
    const truncated = write('truncated.edn', '[{:process 0, :type :invoke, :f :write, :value 1}\n {:process 0, :type :ok, :f :wri');
    const empty = mkdtempSync(join(scratch, 'empty-'));
    const good = join(fixturesDirectory, 'register-ok.log');
    const code = await main(['check', binary, truncated, empty, good, '--json']);
    const records = lines(output.stdout);
    expect(records.slice(0, 4).map((record) => [record.verdict, record.exit])).toEqual([['error', 65], ['error', 65], ['error', 65], ['ok', 0]]);
    expect(String(records[0]?.error)).toContain('binary');
    expect(String(records[1]?.error)).toContain('never closed');
    expect(String(records[2]?.error)).toContain('no history files');
    expect(code).toBe(65);
  });

  it('exits 65 on a single binary file and 64 on an unknown --format', async () => {
    const binary = write('one-binary.jsonl', '');
    writeFileSync(binary, Buffer.from([0x00, 0x00, 0x10]));
    expect(await main(['check', binary])).toBe(65);
    expect(output.stderr).toContain('binary');
    expect(await main(['check', join(fixturesDirectory, 'register-ok.log'), '--format', 'csv'])).toBe(64);
    expect(output.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('says in --help which order each format follows', async () => {
    expect(await main(['check', '--help'])).toBe(0);
    expect(output.stdout).toContain(':time is informational (as in Knossos)');
    expect(output.stdout).toContain('time must never go backwards');
  });

  it('ends unknown when the memory budget runs out, saying which budget and how far it got', async () => {
    const events: object[] = [{ process: 98, type: 'invoke', f: 'cas', value: [100, 101] }, { process: 98, type: 'info', f: 'cas', value: [100, 101] }];
    for (let process = 0; process < 40; process += 1) events.push({ process, type: 'invoke', f: 'write', value: process + 1 });
    for (let process = 0; process < 40; process += 1) events.push({ process, type: 'info', f: 'write', value: process + 1 });
    for (const value of [1, 2, 1]) events.push({ process: 99, type: 'invoke', f: 'read', value: null }, { process: 99, type: 'ok', f: 'read', value });
    const path = write('memory-pile-up.jsonl', jsonl(events.map((item, index) => ({ ...item, index, time: index }))));
    expect(await main(['check', path, '--memory-mb', '2', '--json'])).toBe(2);
    const summary = JSON.parse(output.stdout) as { budget: { kind: string; completed: number } };
    expect(summary.budget).toMatchObject({ kind: 'memory', completed: 3 });
  });
});

/** Bytes 1 to 127 from a fixed linear congruential sequence: no NUL and valid UTF-8, so no binary probe catches them. */
function controlGarbage(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let position = 0; position < length; position += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[position] = 1 + ((state >>> 16) % 127);
  }
  return bytes;
}

describe('faultline check refuses what holds nothing to check (issue 18, item 6)', () => {
  it('exits 65 on garbage read as a Porcupine etcd log, where no line is one', async () => {
    const garbage = write('garbage.log', '');
    writeFileSync(garbage, controlGarbage(4096, 18));
    expect(await main(['check', garbage, '--format', 'porcupine-etcd'])).toBe(65);
    expect(output.stderr).toContain("no line reads 'INFO jepsen.util - PROCESS :TYPE :F VALUE'");
    expect(output.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 65 on an empty file, a blank one and an empty list, in any format', async () => {
    const empty = write('empty.jsonl', '');
    const blank = write('blank.edn', '\n  \n; a comment\n');
    const emptyList = write('empty-list.edn', '[]\n');
    for (const [file, format] of [[empty, 'auto'], [empty, 'porcupine-kv'], [blank, 'edn'], [emptyList, 'auto']] as const) {
      output.stderr = '';
      expect(await main(['check', file, '--format', format])).toBe(65);
      expect(output.stderr).toMatch(/an empty file|no operations to check/);
    }
  });

  it('decides a history of the nemesis alone ok, as Knossos does (its data has one)', async () => {
    const nemesis = write('nemesis.edn', '[{:process :nemesis, :type :info, :f :kill, :value nil}\n {:process :nemesis, :type :info, :f :recover, :value nil}]\n');
    expect(await main(['check', nemesis, '--model', 'cas-register'])).toBe(0);
    const log = write('nemesis.log', 'INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n');
    expect(await main(['check', log, '--model', 'register'])).toBe(0);
  });

  it('reports an empty file in a batch as an error line and checks the rest', async () => {
    const empty = write('empty-in-batch.log', '');
    const code = await main(['check', empty, join(fixturesDirectory, 'register-ok.log'), '--json']);
    const records = output.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.slice(0, 2).map((record) => [record.verdict, record.exit])).toEqual([['error', 65], ['ok', 0]]);
    expect(code).toBe(65);
  });

  it('refuses integers beyond 2^53 (a write of ...999 then a read of ...998 must not pass) in JSONL, EDN and etcd logs', async () => {
    // Written as text: JSON.stringify could not even hold these numbers.
    const big = write('big.jsonl', [
      '{"process":0,"type":"invoke","f":"write","value":12345678901234567999,"time":1}',
      '{"process":0,"type":"ok","f":"write","value":12345678901234567999,"time":2}',
      '{"process":0,"type":"invoke","f":"read","value":null,"time":3}',
      '{"process":0,"type":"ok","f":"read","value":12345678901234567998,"time":4}',
    ].join('\n'));
    expect(await main(['check', big, '--model', 'register'])).toBe(65);
    expect(output.stderr).toContain('line 1: 12345678901234567999 is an integer beyond 2^53');
    const edn = write('big.edn', '{:process 0, :type :invoke, :f :write, :value 12345678901234567999}\n{:process 0, :type :ok, :f :write, :value 12345678901234567999}\n');
    expect(await main(['check', edn])).toBe(65);
    expect(output.stderr).toContain('the integer 12345678901234567999 is beyond 2^53');
    const etcd = write('big.log', 'INFO  jepsen.util - 0\t:invoke\t:write\t9007199254740993\nINFO  jepsen.util - 0\t:ok\t:write\t9007199254740993\n');
    expect(await main(['check', etcd])).toBe(65);
    expect(output.stderr).toContain('9007199254740993 is beyond 2^53');
    // The largest exact integer is still read.
    const safe = write('safe.jsonl', jsonl([
      { process: 0, type: 'invoke', f: 'write', value: Number.MAX_SAFE_INTEGER, time: 1 },
      { process: 0, type: 'ok', f: 'write', value: Number.MAX_SAFE_INTEGER, time: 2 },
    ]));
    expect(await main(['check', safe, '--model', 'register'])).toBe(0);
  });
});

describe('faultline check of a large file whose partitions are spread over workers', () => {
  it('gives the same verdict and witness at --jobs 1 and 2 when two partitions are illegal', async () => {
    const events: object[] = [];
    const sizes: Record<string, number> = { a: 400, b: 350, c: 300, d: 250 };
    for (const [key, size] of Object.entries(sizes)) {
      for (let step = 0; step < size; step += 1) {
        const value = `${key}${step}`;
        const stale = (key === 'b' || key === 'c') && step === size - 1;
        events.push({ process: 0, type: 'invoke', f: 'put', value: { key, value } }, { process: 0, type: 'ok', f: 'put', value: { key, value } });
        events.push({ process: 1, type: 'invoke', f: 'get', value: { key, value: null } }, { process: 1, type: 'ok', f: 'get', value: { key, value: stale ? `${key}0` : value } });
      }
    }
    const path = write('kv-two-bad.jsonl', jsonl(events.map((item, index) => ({ ...item, index, time: index }))));
    const witnesses: unknown[] = [];
    for (const jobs of ['1', '2']) {
      expect(await main(['check', path, '--jobs', jobs, '--json'])).toBe(1);
      const summary = JSON.parse(output.stdout) as { partitions: number; witness: { partition: number; operations: number[] } };
      expect(summary.partitions).toBe(4);
      witnesses.push(summary.witness);
      output.stdout = '';
    }
    expect(witnesses[1]).toEqual(witnesses[0]);
    // Smallest first: d (250 puts and gets), then c, the first illegal one.
    expect((witnesses[0] as { partition: number }).partition).toBe(1);
  });
});
