// Knossos's multi-register: each operation is a transaction of reads and writes over several
// registers, `:f :txn, :value [[:read :x 0] [:write :y 1]]`. A nil read is unknown, as in Knossos.
// Transactions that share no register are checked apart. Try it:
// `npx faultline check models/fixtures/multi-register-bad.edn`.
import type { Call } from './calls.js';
import { HistoryError } from './errors.js';
import type { Decoded, Model, Operation } from './model.js';
import { registerValue } from './register.js';
import type { RegisterValue } from './register.js';

export type MultiRegisterState = Readonly<Record<string, RegisterValue>>;

export interface MicroOperation {
  f: 'read' | 'write';
  key: string;
  value: RegisterValue;
}

/** The transaction's micro-operations; reads whose value is unknown are left out. */
export interface MultiRegisterInput {
  micro: readonly MicroOperation[];
}

export interface MultiRegisterConstraints {
  /** Values before any write; registers not listed start nil. */
  initial?: Readonly<Record<string, RegisterValue>>;
}

function keyName(value: unknown, call: Call): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new HistoryError(call.line, `txn: a register name must be a keyword, string or number, got ${JSON.stringify(value)}`);
}

function readTransaction(value: unknown, call: Call, line: number): MicroOperation[] {
  if (!Array.isArray(value)) throw new HistoryError(line, `txn: the value must be a vector of [f key value], got ${JSON.stringify(value)}`);
  const micro: MicroOperation[] = [];
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 3 || (item[0] !== 'read' && item[0] !== 'write')) {
      throw new HistoryError(line, `txn: expected [:read k v] or [:write k v], got ${JSON.stringify(item)}`);
    }
    const [f, key, written] = item as [MicroOperation['f'], unknown, unknown];
    if (f === 'read' && (written === null || written === undefined)) continue;
    micro.push({ f, key: keyName(key, call), value: registerValue(written) });
  }
  return micro;
}

function decode(call: Call): Decoded<MultiRegisterInput, null> | undefined {
  if (call.f !== 'txn') throw new HistoryError(call.line, `the multi-register has no '${call.f}' (it has txn)`);
  if (call.completion === 'fail') return undefined;
  const completed = call.completion === 'ok' && call.value !== null && call.value !== undefined;
  // An unfinished transaction's reads are unknown; only its writes may take effect.
  const micro = completed
    ? readTransaction(call.value, call, call.completionLine ?? call.line)
    : readTransaction(call.invoke, call, call.line).filter((operation) => operation.f === 'write');
  return micro.length === 0 ? undefined : { input: { micro }, output: null };
}

function equal(a: MultiRegisterState, b: MultiRegisterState): boolean {
  if (a === b) return true;
  for (const key in a) if (a[key] !== b[key]) return false;
  for (const key in b) if (!(key in a)) return false;
  return true;
}

/** Connected components of transactions that share a register (union-find over register names). */
function partition(operations: readonly Operation<MultiRegisterInput, null>[]): Operation<MultiRegisterInput, null>[][] {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(key, root);
    return root;
  };
  for (const operation of operations) {
    for (const { key } of operation.input.micro) if (!parent.has(key)) parent.set(key, key);
    const first = operation.input.micro[0]?.key;
    if (first === undefined) continue;
    for (const { key } of operation.input.micro) parent.set(find(key), find(first));
  }
  const groups = new Map<string, Operation<MultiRegisterInput, null>[]>();
  for (const operation of operations) {
    const root = find(operation.input.micro[0]?.key ?? '');
    const group = groups.get(root);
    if (group === undefined) groups.set(root, [operation]);
    else group.push(operation);
  }
  return [...groups.values()];
}

function show(value: RegisterValue): string {
  return value === null ? 'nil' : JSON.stringify(value);
}

export function multiRegisterModel(constraints: MultiRegisterConstraints = {}): Model<MultiRegisterState, MultiRegisterInput, null> {
  const initial: Record<string, RegisterValue> = Object.create(null) as Record<string, RegisterValue>;
  for (const [key, value] of Object.entries(constraints.initial ?? {})) initial[key] = registerValue(value);
  Object.freeze(initial);
  return {
    name: 'multi-register',
    init: () => initial,
    readOnly: (input) => input.micro.every((micro) => micro.f === 'read'),
    step(state, input) {
      let next: Record<string, RegisterValue> | undefined;
      for (const { f, key, value } of input.micro) {
        const current = next === undefined ? state : next;
        if (f === 'read') {
          if ((current[key] ?? null) !== value) return { ok: false, state };
          continue;
        }
        next ??= Object.assign(Object.create(null) as Record<string, RegisterValue>, state);
        next[key] = value;
      }
      return { ok: true, state: next ?? state };
    },
    equal,
    partition,
    describeOperation: (input) => `txn[${input.micro.map(({ f, key, value }) => `${f} ${key} ${show(value)}`).join(', ')}]`,
    describeState(state) {
      const keys = Object.keys(state).sort();
      return keys.length === 0 ? 'all nil' : keys.map((key) => `${key}=${show(state[key] ?? null)}`).join(' ');
    },
    decode,
  };
}
