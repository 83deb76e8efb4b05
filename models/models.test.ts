// Tests of the models' meanings: each tool's reading of nil reads and failed cas, the bank's refusals,
// kv's hashed state, and the partitions each model draws.
import { describe, expect, it } from 'vitest';
import { bankModel } from './bank.js';
import type { BankInput, BankOutput } from './bank.js';
import { pairCalls, toOperations } from './calls.js';
import type { HistoryFormat } from './calls.js';
import { checkLinearizable } from './checker.js';
import { parseHistory } from './formats.js';
import { kvModel } from './kv.js';
import type { KvState } from './kv.js';
import { multiRegisterModel } from './multi-register.js';
import { registerModel } from './register.js';

function verdictOf(text: string, format: HistoryFormat): string {
  return checkLinearizable(registerModel(), parseHistory(text, format), { dialect: format }).verdict;
}

describe('register meanings per tool', () => {
  const writeThenNilRead = { edn: '{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :write, :value 1}\n{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value nil}', etcd: 'INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\tnil' };

  it('reads an ok nil read as unknown in Knossos EDN and as absent in Porcupine logs', () => {
    expect(verdictOf(writeThenNilRead.edn, 'edn')).toBe('ok');
    expect(verdictOf(writeThenNilRead.etcd, 'porcupine-etcd')).toBe('illegal');
  });

  it("reads a failed cas as not run in Knossos EDN and as run-and-refused in Porcupine's logs", () => {
    const edn = '{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :write, :value 1}\n{:process 0, :type :invoke, :f :cas, :value [1 5]}\n{:process 0, :type :fail, :f :cas, :value [1 5]}';
    const etcd = 'INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\nINFO  jepsen.util - 0\t:invoke\t:cas\t[1 5]\nINFO  jepsen.util - 0\t:fail\t:cas\t[1 5]';
    expect(verdictOf(edn, 'edn')).toBe('ok');
    expect(verdictOf(etcd, 'porcupine-etcd')).toBe('illegal');
  });

  it('drops reads whose answer is unknown, and keeps unfinished writes open', () => {
    const history = parseHistory('INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:fail\t:read\t:timed-out\nINFO  jepsen.util - 1\t:invoke\t:write\t2\nINFO  jepsen.util - 1\t:info\t:write\t:timed-out', 'porcupine-etcd');
    const operations = toOperations(registerModel(), pairCalls(history), 'porcupine-etcd');
    expect(operations).toHaveLength(1);
    expect(operations[0]).toMatchObject({ input: { f: 'write', value: 2 }, output: { kind: 'unknown' }, return: Infinity });
  });
});

describe('bank model', () => {
  const model = bankModel([{ account: 'a1', balance: 10 }, { account: 'a2', balance: 0 }]);
  const known = (fields: Partial<BankOutput>): BankOutput => ({ unknown: false, applied: undefined, balance: undefined, toBalance: undefined, ...fields });
  const withdraw = (amount: number): BankInput => ({ f: 'withdraw', account: 0, to: -1, amount });

  it('accepts a refusal only when funds were short, and a success only when they sufficed', () => {
    expect(model.step(model.init(), withdraw(11), known({ applied: false })).ok).toBe(true);
    expect(model.step(model.init(), withdraw(10), known({ applied: false })).ok).toBe(false);
    expect(model.step(model.init(), withdraw(10), known({ applied: true, balance: 0 }))).toEqual({ ok: true, state: [0, 0] });
    expect(model.step(model.init(), withdraw(11), known({ applied: true, balance: -1 })).ok).toBe(false);
  });

  it('applies an unknown withdraw only if funds suffice, and always accepts it', () => {
    const unknown = known({ unknown: true });
    expect(model.step(model.init(), withdraw(4), unknown)).toEqual({ ok: true, state: [6, 0] });
    expect(model.step(model.init(), withdraw(40), unknown)).toEqual({ ok: true, state: [10, 0] });
  });

  it('moves money with a transfer and checks both reported balances', () => {
    const transfer: BankInput = { f: 'transfer', account: 0, to: 1, amount: 4 };
    expect(model.step(model.init(), transfer, known({ applied: true, balance: 6, toBalance: 4 }))).toEqual({ ok: true, state: [6, 4] });
    expect(model.step(model.init(), transfer, known({ applied: true, balance: 6, toBalance: 5 })).ok).toBe(false);
  });

  it('rejects an operation on an account with no initial balance', () => {
    const history = parseHistory('{"index":0,"process":1,"type":"invoke","f":"query","value":{"account":"a9"},"time":1}', 'jsonl');
    expect(() => checkLinearizable(model, history)).toThrow(/line 1: query on account 'a9', which has no initial balance/);
  });
});

describe('kv model', () => {
  const model = kvModel();
  const put = (state: KvState, key: string, value: string) => model.step(state, { f: 'put', key, value }, { value: undefined }).state;
  const append = (state: KvState, key: string, value: string) => model.step(state, { f: 'append', key, value }, { value: undefined }).state;

  it('gives equal states equal hashes however they were reached', () => {
    const appended = append(append(model.init(), 'k', 'ab'), 'k', 'c');
    const written = put(model.init(), 'k', 'abc');
    expect(model.hash?.(appended)).toBe(model.hash?.(written));
    expect(model.equal?.(appended, written)).toBe(true);
    // A key written back to the initial value equals a key never written.
    expect(model.equal?.(put(model.init(), 'k', ''), model.init())).toBe(true);
    expect(model.hash?.(put(model.init(), 'k', ''))).toBe(model.hash?.(model.init()));
    expect(model.equal?.(put(model.init(), 'k', 'x'), put(model.init(), 'j', 'x'))).toBe(false);
  });

  it('keeps several keys apart, whatever the order of their writes', () => {
    const get = (state: KvState, key: string, value: string) => model.step(state, { f: 'get', key, value: '' }, { value }).ok;
    // k1 then k2 then k1 again (the entry of k1 moves to the front), against k2 then k1 in one go.
    const interleaved = append(append(append(put(model.init(), 'k1', 'a'), 'k2', 'x'), 'k1', 'b'), 'k3', '');
    const direct = put(put(model.init(), 'k2', 'x'), 'k1', 'ab');
    expect(model.equal?.(interleaved, direct)).toBe(true);
    expect(model.hash?.(interleaved)).toBe(model.hash?.(direct));
    expect([get(interleaved, 'k1', 'ab'), get(interleaved, 'k2', 'x'), get(interleaved, 'k3', ''), get(interleaved, 'k1', 'a')]).toEqual([true, true, true, false]);
    expect(model.describeState?.(interleaved)).toBe('k1="ab" k2="x" k3=""');
    expect(model.equal?.(put(direct, 'k2', 'y'), direct)).toBe(false);
    expect(model.equal?.(put(put(direct, 'k2', 'y'), 'k2', 'x'), direct)).toBe(true);
  });
});

describe('partitions', () => {
  it('splits multi-register transactions by the registers they share', () => {
    const history = parseHistory([
      '{:process 0, :type :invoke, :f :txn, :value [[:write :x 1] [:write :y 1]]}', '{:process 0, :type :ok, :f :txn, :value [[:write :x 1] [:write :y 1]]}',
      '{:process 1, :type :invoke, :f :txn, :value [[:write :z 1]]}', '{:process 1, :type :ok, :f :txn, :value [[:write :z 1]]}',
      '{:process 1, :type :invoke, :f :txn, :value [[:read :y nil] [:write :w 2]]}', '{:process 1, :type :ok, :f :txn, :value [[:read :y 1] [:write :w 2]]}',
    ].join('\n'), 'edn');
    const result = checkLinearizable(multiRegisterModel(), history, { dialect: 'edn' });
    expect(result).toMatchObject({ verdict: 'ok', partitions: 2, ops: 3 });
  });
});
