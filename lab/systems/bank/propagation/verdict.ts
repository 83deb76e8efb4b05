// What a receiver does with an update from another branch, decided from the update alone and the
// replica's current state: apply it, recognise it as one it already holds, or dead-letter it with a
// reason. Pure; the store runs it inside the transaction that then acts on it.
// Try it: `replicaVerdict(message, { ordered: true }, (account) => store.account(account))`.
import { isAccountName } from '../config.js';
import { updateProblem } from '../decide.js';
import type { AccountRecord, Update } from '../records.js';

export type ReplicaVerdict =
  | { kind: 'apply' }
  /** Every account already holds this version or a later one: a redelivery the dedup window forgot. */
  | { kind: 'stale' }
  | { kind: 'dead-letter'; reason: string };

export interface VerdictInput {
  key: string;
  updates: readonly Update[];
}

/** Keys are short (`b1/42`); a longer one is garbage, not an idempotency key. */
export const keyCharsMax = 200;

/** A problem with the update's form, whatever the replica holds; undefined when it is well formed. */
export function malformation(input: VerdictInput): string | undefined {
  if (input.key === '' || input.key.length > keyCharsMax) return 'the update has no usable idempotency key';
  if (input.updates.length === 0) return 'the update changes no account';
  const seen = new Set<string>();
  for (const update of input.updates) {
    if (!isAccountName(update.account)) return `bad account name '${update.account}'`;
    if (seen.has(update.account)) return `account ${update.account} appears twice in one update`;
    seen.add(update.account);
    const numbers = [update.balance, update.version, update.delta];
    if (!numbers.every(Number.isSafeInteger)) return `${update.account}: balance, version and delta must be whole numbers`;
    if (update.version < 1) return `${update.account}: version ${update.version} is below 1`;
  }
  return undefined;
}

/**
 * `ordered`: each account must move exactly one version on, with a balance that matches its delta,
 * so a key's updates apply in the order they were decided and never roll a replica back. Without
 * it (unsafe, and the no-dedup bug) a well-formed update on a known account is written as it comes.
 */
export function replicaVerdict(
  input: VerdictInput,
  policy: { ordered: boolean },
  current: (account: string) => AccountRecord | undefined,
): ReplicaVerdict {
  const malformed = malformation(input);
  if (malformed !== undefined) return { kind: 'dead-letter', reason: malformed };
  for (const update of input.updates) {
    if (current(update.account) === undefined) return { kind: 'dead-letter', reason: `unknown account ${update.account}` };
  }
  if (!policy.ordered) return { kind: 'apply' };
  const states = input.updates.map((update) => current(update.account) as AccountRecord);
  const held = input.updates.filter((update, index) => update.version <= (states[index] as AccountRecord).version).length;
  if (held === input.updates.length) return { kind: 'stale' };
  if (held > 0) return { kind: 'dead-letter', reason: 'some accounts already hold this update and others do not' };
  for (const [index, update] of input.updates.entries()) {
    const state = states[index] as AccountRecord;
    if (update.version > state.version + 1) {
      return { kind: 'dead-letter', reason: `version gap on ${update.account}: holds ${state.version}, got ${update.version}` };
    }
    const problem = updateProblem(update, state);
    if (problem !== undefined) return { kind: 'dead-letter', reason: problem };
  }
  return { kind: 'apply' };
}
