// What the lab reads from etcd members outside the workload: whether a member serves (it answers
// Status and knows a leader), each member's own values of the workload's keys, and whether they agree.
import type { Verdict } from '../../../models/index.js';
import type { NodeState } from '../index.js';
import { decodeValue, keyPrefix } from './ops.js';
import { bytes, deadlineAfter, openMember, prefixEnd, text, unary } from './rpc.js';

/**
 * Ready when the member answers Status and names a leader. grpc.health.v1 is no use here: etcd 3.4
 * answers SERVING as soon as its gRPC server is up, with or without a leader.
 */
export async function memberReady(address: string, deadlineMs: number): Promise<boolean> {
  const member = openMember(address);
  try {
    const reply = await unary(member.maintenance.status, member.maintenance, {}, deadlineAfter(deadlineMs));
    return reply.leader !== '0';
  } catch {
    return false;
  } finally {
    member.close();
  }
}

/** One key as a member holds it. */
export interface StoredKey {
  value: number | string;
  version: number;
  modRevision: number;
}

/**
 * Each member's values of the workload's keys, read with serializable=true so that the member answers
 * from its own state (a linearizable read would answer with the leader's). A member that does not
 * answer gets an `error` entry, so the convergence check shows who.
 */
export async function readFinalStates(addresses: Record<string, string>, deadlineMs: number): Promise<NodeState[]> {
  const deadline = deadlineAfter(deadlineMs);
  return Promise.all(
    Object.entries(addresses).map(async ([node, address]): Promise<NodeState> => {
      const member = openMember(address);
      try {
        const request = { key: bytes(keyPrefix), rangeEnd: prefixEnd(keyPrefix), limit: '0', revision: '0', serializable: true };
        const reply = await unary(member.kv.range, member.kv, request, deadline);
        const state: Record<string, StoredKey> = {};
        for (const kv of reply.kvs) {
          state[text(kv.key).slice(keyPrefix.length)] = { value: decodeValue(text(kv.value)), version: Number(kv.version), modRevision: Number(kv.modRevision) };
        }
        return { node, state };
      } catch (error) {
        return { node, state: { error: error instanceof Error ? error.message : String(error) } };
      } finally {
        member.close();
      }
    }),
  );
}

/** Members agree when each holds the same keys with the same values at the same revisions. */
export function statesConverged(states: readonly NodeState[]): Verdict {
  if (states.some((state) => 'error' in state.state)) return 'unknown';
  const [first, ...rest] = states.map((state) => JSON.stringify(Object.entries(state.state).sort(([a], [b]) => (a < b ? -1 : 1))));
  return rest.every((other) => other === first) ? 'ok' : 'illegal';
}
