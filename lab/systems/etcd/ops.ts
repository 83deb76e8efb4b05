// The etcd workloads' ops as the plan holds them (the `f` and `input` of a SystemOp), read back with
// checks: an op the client cannot encode is an EtcdSystemError 'etcd-op-unencodable', before any call.
import { EtcdSystemError } from './errors.js';

/** Every key the workloads touch sits under this prefix, so final states read one range. */
export const keyPrefix = '/faultline/';
/** Lock names sit apart from the data keys: the lock keys come and go with leases. */
export const lockPrefix = '/faultline-locks/';

/** A register value is a small integer, stored as its decimal text; null is an absent key. */
export type EtcdValue = number | null;

export type EtcdOp =
  | { f: 'read'; key: string; serializable: boolean }
  | { f: 'write'; key: string; value: number }
  | { f: 'cas'; key: string; expected: EtcdValue; value: number }
  | { f: 'acquire'; lock: string }
  | { f: 'incr'; key: string }
  | { f: 'release'; lock: string };

const namePattern = /^[A-Za-z0-9_-]{1,64}$/;

function unencodable(f: string, input: Record<string, unknown>, why: string): EtcdSystemError {
  return new EtcdSystemError('etcd-op-unencodable', `cannot encode ${f} ${JSON.stringify(input)}: ${why}`);
}

function name(f: string, input: Record<string, unknown>, field: 'key' | 'lock'): string {
  const value = input[field];
  if (typeof value !== 'string' || !namePattern.test(value)) throw unencodable(f, input, `${field} must be 1 to 64 of [A-Za-z0-9_-]`);
  return value;
}

function integer(f: string, input: Record<string, unknown>, field: 'value' | 'expected', nullable: boolean): EtcdValue {
  const value = input[field];
  if (nullable && value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw unencodable(f, input, `${field} must be an integer${nullable ? ' or null' : ''}`);
  return value;
}

/** Reads a SystemOp's f and input as an etcd op; throws 'etcd-op-unencodable' on anything else. */
export function decodeOp(f: string, input: Record<string, unknown>): EtcdOp {
  switch (f) {
    case 'read':
      return { f, key: name(f, input, 'key'), serializable: input['serializable'] === true };
    case 'write':
      return { f, key: name(f, input, 'key'), value: integer(f, input, 'value', false) as number };
    case 'cas':
      return { f, key: name(f, input, 'key'), expected: integer(f, input, 'expected', true), value: integer(f, input, 'value', false) as number };
    case 'acquire':
    case 'release':
      return { f, lock: name(f, input, 'lock') };
    case 'incr':
      return { f, key: name(f, input, 'key') };
    default:
      throw unencodable(f, input, 'etcd ops are read, write, cas, acquire, incr and release');
  }
}

/** Whether an op changes nothing whatever it answers: its errors are always definite. */
export function isReadOnly(op: EtcdOp): boolean {
  return op.f === 'read';
}

export function encodeValue(value: number): string {
  return String(value);
}

/** A stored value back as a number; text the lab did not write reads as itself, so a check shows it. */
export function decodeValue(stored: string): number | string {
  return /^-?\d+$/.test(stored) ? Number(stored) : stored;
}
