// The etcd system's client: performs one op on one member with a deadline through etcd's own gRPC API,
// never retries, and classifies errors with errors.ts. Lock ops keep each client's lease and lock key.
// Try it against a cluster: see lab/systems/etcd/etcd.test.ts.
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { etcdserverpb } from '../../../proto/index.js';
import { realClock } from '../../cluster/index.js';
import type { OpOutcome, SystemClient, SystemOp, Timer } from '../index.js';
import { errorText, outcomeOfError } from './errors.js';
import { decodeOp, decodeValue, encodeValue, isReadOnly, keyPrefix, lockPrefix } from './ops.js';
import type { EtcdOp } from './ops.js';
import { bytes, deadlineAfter, openMember, statusOf, text, unary } from './rpc.js';
import type { Member } from './rpc.js';

/** The lock's lease: short, so a paused member or a lost client frees the lock within a few seconds. */
export const leaseTtlSeconds = 3;
/** A keep-alive well inside the TTL, so one lost beat does not expire a live holder's lease. */
const keepAliveIntervalMs = 1_000;
/** Cleanup after a lock op (revoking the lease) waits no longer than this. */
const revokeDeadlineMs = 1_000;

type KeepAliveStream = ClientDuplexStream<etcdserverpb.LeaseKeepAliveRequest, etcdserverpb.LeaseKeepAliveResponse>;

/** What one client holds between its acquire and its release. */
interface Holding {
  member: Member;
  leaseId: string;
  lockKey: Buffer | undefined;
  stream: KeepAliveStream;
  timer: Timer;
  /** The server answered a keep-alive with TTL <= 0: the lease, and with it the lock, is gone. */
  expired: boolean;
}

/** An op the client itself refuses (no lock held): definite, nothing was sent. */
class Refused extends Error {}

export class EtcdClient implements SystemClient {
  private readonly members = new Map<string, Member>();
  private readonly holdings = new Map<number, Holding>();

  async perform(op: SystemOp, address: string, deadlineMs: number): Promise<OpOutcome> {
    const etcdOp = decodeOp(op.f, op.input);
    const deadline = deadlineAfter(deadlineMs);
    try {
      return { type: 'ok', value: { ...op.input, ...(await this.run(etcdOp, op.client, this.member(address), deadline)) } };
    } catch (error) {
      // Refused: nothing was sent, and a refused second acquire must not drop the lock the client holds.
      if (error instanceof Refused) return { type: 'fail', value: { ...op.input }, error: error.message };
      if (etcdOp.f === 'acquire' || etcdOp.f === 'release') await this.abandon(op.client);
      const { code, details } = statusOf(error instanceof ReadFailed ? error.failure : error);
      const readOnly = isReadOnly(etcdOp) || error instanceof ReadFailed;
      return { type: outcomeOfError(code, details, readOnly), value: { ...op.input }, error: errorText(code, details) };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.holdings.keys()].map((client) => this.abandon(client)));
    for (const member of this.members.values()) member.close();
    this.members.clear();
  }

  private member(address: string): Member {
    let member = this.members.get(address);
    if (member === undefined) {
      member = openMember(address);
      this.members.set(address, member);
    }
    return member;
  }

  private run(op: EtcdOp, client: number, member: Member, deadline: Date): Promise<Record<string, unknown>> {
    switch (op.f) {
      case 'read':
        return read(member, op.key, op.serializable, deadline);
      case 'write':
        return write(member, op.key, op.value, deadline);
      case 'cas':
        return compareAndSet(member, op.key, op.expected, op.value, deadline);
      case 'acquire':
        return this.acquire(client, member, op.lock, deadline);
      case 'incr':
        return this.increment(client, member, op.key, deadline);
      case 'release':
        return this.release(client, member, deadline);
    }
  }

  private async acquire(client: number, member: Member, lock: string, deadline: Date): Promise<Record<string, unknown>> {
    if (this.holdings.has(client)) throw new Refused(`client ${client} already holds a lock`);
    const grant = await unary(member.lease.leaseGrant, member.lease, { TTL: String(leaseTtlSeconds), ID: '0' }, deadline);
    const holding = keepAlive(member, grant.ID);
    this.holdings.set(client, holding);
    const locked = await unary(member.lock.lock, member.lock, { name: bytes(`${lockPrefix}${lock}`), lease: grant.ID }, deadline);
    holding.lockKey = Buffer.from(locked.key);
    return { lease: grant.ID, revision: Number(locked.header?.revision ?? 0) };
  }

  /** The critical section: a plain read, then a plain write of one more, judged by the versions it saw. */
  // The op's own member serves it; the keep-alive stays with the member that granted the lease.
  private async increment(client: number, member: Member, key: string, deadline: Date): Promise<Record<string, unknown>> {
    const holding = this.holdings.get(client);
    if (holding?.lockKey === undefined) throw new Refused(`client ${client} holds no lock`);
    if (holding.expired) throw new Refused(`client ${client}'s lease expired`);
    const current = await unary(member.kv.range, member.kv, rangeRequest(key, false), deadline).catch((error: unknown) => {
      throw new ReadFailed(error);
    });
    const stored = current.kvs[0];
    const before = stored === undefined ? 0 : Number(text(stored.value));
    const readVersion = Number(stored?.version ?? 0);
    const put = await unary(member.kv.put, member.kv, { key: bytes(`${keyPrefix}${key}`), value: bytes(encodeValue(before + 1)), lease: '0', prevKv: true }, deadline);
    return { read: before, readVersion, prevVersion: Number(put.prevKv?.version ?? 0), wrote: before + 1 };
  }

  private async release(client: number, member: Member, deadline: Date): Promise<Record<string, unknown>> {
    const holding = this.holdings.get(client);
    if (holding?.lockKey === undefined) throw new Refused(`client ${client} holds no lock`);
    await unary(member.lock.unlock, member.lock, { key: holding.lockKey }, deadline);
    await this.abandon(client);
    return {};
  }

  /** Stops the keep-alive and revokes the lease: not a retry, it frees whatever the client may hold. */
  private async abandon(client: number): Promise<void> {
    const holding = this.holdings.get(client);
    if (holding === undefined) return;
    this.holdings.delete(client);
    realClock.cancel(holding.timer);
    holding.stream.cancel();
    const deadline = deadlineAfter(revokeDeadlineMs);
    await unary(holding.member.lease.leaseRevoke, holding.member.lease, { ID: holding.leaseId }, deadline).catch(() => undefined);
  }
}

/** The read half of an increment failed: nothing was written, so the op is definitely not done. */
class ReadFailed extends Error {
  constructor(readonly failure: unknown) {
    super('read failed');
  }
}

function rangeRequest(key: string, serializable: boolean): etcdserverpb.RangeRequest {
  return { key: bytes(`${keyPrefix}${key}`), rangeEnd: Buffer.alloc(0), limit: '0', revision: '0', serializable };
}

async function read(member: Member, key: string, serializable: boolean, deadline: Date): Promise<Record<string, unknown>> {
  const reply = await unary(member.kv.range, member.kv, rangeRequest(key, serializable), deadline);
  const stored = reply.kvs[0];
  return { value: stored === undefined ? null : decodeValue(text(stored.value)), revision: Number(reply.header?.revision ?? 0) };
}

async function write(member: Member, key: string, value: number, deadline: Date): Promise<Record<string, unknown>> {
  const reply = await unary(member.kv.put, member.kv, { key: bytes(`${keyPrefix}${key}`), value: bytes(encodeValue(value)), lease: '0', prevKv: false }, deadline);
  return { revision: Number(reply.header?.revision ?? 0) };
}

// An absent key is compared by its version (0); a present one by its value.
async function compareAndSet(member: Member, key: string, expected: number | null, value: number, deadline: Date): Promise<Record<string, unknown>> {
  const target = bytes(`${keyPrefix}${key}`);
  const equal = etcdserverpb.Compare_CompareResult.EQUAL;
  const compare: etcdserverpb.Compare =
    expected === null
      ? { result: equal, target: etcdserverpb.Compare_CompareTarget.VERSION, key: target, version: '0' }
      : { result: equal, target: etcdserverpb.Compare_CompareTarget.VALUE, key: target, value: bytes(encodeValue(expected)) };
  const put = { requestPut: { key: target, value: bytes(encodeValue(value)), lease: '0', prevKv: false } };
  const reply = await unary(member.kv.txn, member.kv, { compare: [compare], success: [put], failure: [] }, deadline);
  return { swapped: reply.succeeded, revision: Number(reply.header?.revision ?? 0) };
}

function keepAlive(member: Member, leaseId: string): Holding {
  const stream: KeepAliveStream = member.lease.leaseKeepAlive();
  const beat = (): void => {
    if (stream.writable) stream.write({ ID: leaseId });
  };
  const holding: Holding = { member, leaseId, lockKey: undefined, stream, timer: realClock.every(beat, keepAliveIntervalMs), expired: false };
  stream.on('data', (reply: etcdserverpb.LeaseKeepAliveResponse) => {
    if (Number(reply.TTL) <= 0) holding.expired = true;
  });
  // A broken stream only stops the beats; the lease then expires on the server, which is the fault's point.
  stream.on('error', () => realClock.cancel(holding.timer));
  beat();
  return holding;
}
