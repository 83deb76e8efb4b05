// How the etcd workloads' histories meet the reference models: per key against the cas-register, the
// lock's acquire and release against the mutex, and mutual exclusion judged from the versions that each
// critical section read and overwrote. Try it: `npx vitest run lab/systems/etcd/models.test.ts`.
import { HistoryError, mutexModel, registerModel } from '../../../models/index.js';
import type { Call, HistoryFormat, History, Model, Operation, RegisterInput, RegisterOutput, RegisterValue } from '../../../models/index.js';
import type { NodeState, WorkloadCheck } from '../index.js';

export interface KeyedInput {
  key: string;
  register: RegisterInput;
}

type Fields = Record<string, unknown>;

function fields(value: unknown): Fields {
  return typeof value === 'object' && value !== null ? (value as Fields) : {};
}

function registerValueOf(value: unknown): RegisterValue {
  return value === undefined ? null : (value as RegisterValue);
}

function decodeRegister(call: Call): { input: KeyedInput; output: RegisterOutput } | undefined {
  const invoke = fields(call.invoke);
  const done = fields(call.value);
  const key = String(invoke['key']);
  const unfinished = call.completion === 'info' || call.completion === 'open';
  switch (call.f) {
    case 'read': {
      if (call.completion !== 'ok') return undefined;
      const value = registerValueOf(done['value']);
      return { input: { key, register: { f: 'read' } }, output: value === null ? { kind: 'absent' } : { kind: 'value', value } };
    }
    case 'write':
      if (call.completion === 'fail') return undefined;
      return { input: { key, register: { f: 'write', value: registerValueOf(invoke['value']) } }, output: { kind: unfinished ? 'unknown' : 'done' } };
    case 'cas': {
      // A cas that etcd answered with succeeded=false ran and found another value: a constraint, not a fail.
      if (call.completion === 'fail') return undefined;
      const register: RegisterInput = { f: 'cas', expected: registerValueOf(invoke['expected']), value: registerValueOf(invoke['value']) };
      const kind = unfinished ? 'unknown' : done['swapped'] === false ? 'not-swapped' : 'swapped';
      return { input: { key, register }, output: { kind } };
    }
    default:
      throw new HistoryError(call.line, `the etcd register workload has no '${call.f}' (it has read, write and cas)`);
  }
}

/** etcd's register workload against the cas-register, one partition (and one register) per key. */
export function keyedRegisterModel(initial: RegisterValue = null): Model<RegisterValue, KeyedInput, RegisterOutput> {
  const inner = registerModel({ initial, name: 'cas-register' });
  const unwrap = (operation: Operation<KeyedInput, RegisterOutput>): Operation<RegisterInput, RegisterOutput> => ({ ...operation, input: operation.input.register });
  return {
    name: 'etcd-register',
    init: () => inner.init(),
    step: (state, input, output) => inner.step(state, input.register, output),
    next: (state, input, output) => (inner.next ? inner.next(state, input.register, output) : inner.step(state, input.register, output).state),
    prune: (operations) => {
      const kept = new Set((inner.prune?.(operations.map(unwrap)) ?? operations).map((operation) => operation.id));
      return operations.filter((operation) => kept.has(operation.id));
    },
    equal: (a, b) => a === b,
    hash: (state) => inner.hash?.(state) ?? 0,
    partition: (operations) => {
      const byKey = new Map<string, Operation<KeyedInput, RegisterOutput>[]>();
      for (const operation of operations) byKey.set(operation.input.key, [...(byKey.get(operation.input.key) ?? []), operation]);
      return [...byKey.values()];
    },
    readOnly: (input, output) => inner.readOnly?.(input.register, output) ?? false,
    describeOperation: (input, output) => `${input.key}: ${inner.describeOperation?.(input.register, output) ?? input.register.f}`,
    describeState: (state) => inner.describeState?.(state) ?? String(state),
    decode: (call: Call, _dialect: HistoryFormat) => decodeRegister(call),
  };
}

/** The lock workload's acquire and release against the mutex; its increments are judged apart. */
export function lockModel(): ReturnType<typeof mutexModel> {
  const inner = mutexModel();
  return { ...inner, name: 'etcd-lock', decode: (call, dialect) => (call.f === 'incr' ? undefined : inner.decode(call, dialect)) };
}

/**
 * Mutual exclusion, from the counter's versions: a holder reads the key at version v and overwrites it
 * with prev_kv; if that previous version is not v, someone wrote between its read and its write, and if
 * two increments read the same version, two holders were inside at once. On each member, the counter
 * must hold at least one per completed increment (fewer means an update was lost).
 */
export function checkMutualExclusion(history: History, states: readonly NodeState[], counterKey: string): WorkloadCheck {
  const problems: string[] = [];
  const readers = new Map<number, number>();
  let completed = 0;
  for (const event of history) {
    if (event.type !== 'ok' || event.f !== 'incr') continue;
    completed += 1;
    const value = fields(event.value);
    const readVersion = Number(value['readVersion']);
    const prevVersion = Number(value['prevVersion']);
    if (prevVersion !== readVersion) problems.push(`process ${event.process} read version ${readVersion} but overwrote version ${prevVersion} (event ${event.index})`);
    const other = readers.get(readVersion);
    if (other !== undefined) problems.push(`processes ${other} and ${event.process} both read version ${readVersion}`);
    readers.set(readVersion, event.process);
  }
  for (const state of states) {
    const stored = fields(state.state[counterKey]);
    const value = typeof stored['value'] === 'number' ? stored['value'] : 0;
    if ('error' in state.state) continue;
    if (value < completed) problems.push(`${state.node} holds ${value} after ${completed} completed increments`);
  }
  const verdict = problems.length > 0 ? 'illegal' : 'ok';
  const summary = problems.length > 0 ? problems.slice(0, 3).join('; ') : `${completed} increments, no two critical sections overlapped`;
  return { name: 'mutual-exclusion', verdict, summary, details: problems };
}
