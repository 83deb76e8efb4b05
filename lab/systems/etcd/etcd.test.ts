// Real etcd members on loopback, every client and peer link through the embedded Toxiproxy: a register
// workload through kill -9, restart and pause, checked against the cas-register; serializable reads
// caught stale under a partition of the leader; the lock workload; and bad starts that leave nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLinearizable } from '../../../models/index.js';
import { isGone, isSystemStartError } from '../../cluster/index.js';
import { startProxyBackend } from '../../proxy/index.js';
import type { ProxyBackend } from '../../proxy/index.js';
import type { SystemClient, SystemOp } from '../index.js';
import { Recorder } from './_testing/recorder.js';
import { startTestCluster } from './_testing/cluster.js';
import type { TestCluster } from './_testing/cluster.js';
import { clusterToken, findEtcdBinary } from './launch.js';
import { memberId } from './peer-front.js';
import { openMember, unary } from './rpc.js';
import { readFinalStates, statesConverged } from './state.js';
import { etcdSystem } from './system.js';

const etcdBinary = findEtcdBinary();
const skipNote = etcdBinary === undefined ? ' (skipped: no etcd in .tools/bin or on PATH; npm run setup:etcd installs one)' : '';
const seed = 15;
const opDeadlineMs = 2_000;
const convergeDeadlineMs = 10_000;

async function statusOf(address: string): Promise<{ memberId: string; leader: string }> {
  const member = openMember(address);
  try {
    const reply = await unary(member.maintenance.status, member.maintenance, {}, new Date(Date.now() + opDeadlineMs));
    return { memberId: reply.header?.memberId ?? '0', leader: reply.leader };
  } finally {
    member.close();
  }
}

async function leaderOf(cluster: TestCluster): Promise<string> {
  const statuses = await Promise.all(cluster.ids.map(async (id) => ({ id, ...(await statusOf(cluster.directAddress(id))) })));
  const leader = statuses.find((status) => status.memberId === statuses[0]?.leader);
  if (leader === undefined) throw new Error('no leader');
  return leader.id;
}

/** Waits until the member at address follows a leader other than `old`. */
async function newLeader(address: string, old: string): Promise<void> {
  const deadline = Date.now() + convergeDeadlineMs;
  while (Date.now() < deadline) {
    const { leader } = await statusOf(address).catch(() => ({ leader: '0' }));
    if (leader !== '0' && leader !== old) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no new leader at ${address} within ${convergeDeadlineMs} ms`);
}

async function converged(cluster: TestCluster): Promise<ReturnType<typeof statesConverged>> {
  const addresses = Object.fromEntries(cluster.ids.map((id) => [id, cluster.directAddress(id)]));
  const deadline = Date.now() + convergeDeadlineMs;
  let verdict = statesConverged(await readFinalStates(addresses, opDeadlineMs));
  while (verdict !== 'ok' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    verdict = statesConverged(await readFinalStates(addresses, opDeadlineMs));
  }
  return verdict;
}

/** Each client performs its next `count` ops one after another, the clients side by side. */
async function phase(recorder: Recorder, cluster: TestCluster, plans: Omit<SystemOp, 'client' | 'node' | 'retries'>[][], count: number): Promise<void> {
  await Promise.all(
    plans.map(async (plan, client) => {
      const node = cluster.ids[client % cluster.ids.length] ?? 'n1';
      for (const op of plan.splice(0, count)) await recorder.perform({ ...op, client, node, retries: 0 }, cluster.clientAddress(node), opDeadlineMs);
    }),
  );
}

describe.skipIf(etcdBinary === undefined)(`etcd on loopback, seed ${seed}${skipNote}`, () => {
  let proxy: ProxyBackend;
  let cluster: TestCluster;
  let client: SystemClient;

  beforeAll(async () => {
    proxy = await startProxyBackend({ choice: 'embedded', seed });
    cluster = await startTestCluster({ system: etcdSystem, size: 3, seed, proxy });
    client = etcdSystem.client();
  }, 30_000);

  afterAll(async () => {
    const pids = cluster?.pids() ?? [];
    await client?.close();
    await cluster?.stop();
    await proxy?.stop();
    expect(pids.every(isGone)).toBe(true);
  }, 30_000);

  it("routes each peer's connections by etcd's member id", async () => {
    // The peer front computes the ids etcd hashes from each member's advertised URL and the token.
    for (const id of cluster.ids) {
      const status = await statusOf(cluster.directAddress(id));
      const ids = cluster.ids.map((each) => memberId([`http://${cluster.peerAddress(each)}`], clusterToken(seed)));
      expect(ids).toContain(BigInt(status.memberId).toString(16));
    }
  });

  it('stays linearizable per key through kill -9 and restart from the data dir, a pause, and a heal', async () => {
    const workload = etcdSystem.workloads['register'];
    if (workload === undefined) throw new Error('no register workload');
    const constraints = { nodes: 3, clients: 3, opsMax: 36, objectsMax: 2, contention: 'high' as const };
    // The three longest of a seeded sample, so that every phase has ops to run.
    const plans = fc.sample(workload.ops(constraints), { seed, numRuns: 30 }).sort((a, b) => b.length - a.length).slice(0, 3);
    const recorder = new Recorder(client);
    await phase(recorder, cluster, plans, 3);
    await cluster.kill('n3');
    await phase(recorder, cluster, plans, 3);
    await cluster.restart('n3');
    cluster.pause('n1');
    await phase(recorder, cluster, plans, 3);
    cluster.resume('n1');
    await cluster.heal();
    await phase(recorder, cluster, plans, 12);
    const result = checkLinearizable(workload.model(null), recorder.history);
    console.log(`register: ${recorder.count('ok')} ok, ${recorder.count('fail')} fail, ${recorder.count('info')} info; ${result.verdict} in ${result.partitions} keys`);
    expect(recorder.count('ok')).toBeGreaterThan(10);
    expect(result.verdict).toBe('ok');
    expect(await converged(cluster)).toBe('ok');
  }, 90_000);

  // The scenario, by hand: write through the majority while the leader is cut off from both peers,
  // then read from the old leader. A serializable read answers from its own, stale state; a
  // linearizable one needs a quorum and fails. Heal, let it catch up, and go again.
  it('catches stale serializable reads from a leader cut off from its peers', async () => {
    const recorder = new Recorder(client);
    const op = (f: string, input: Record<string, unknown>, node: string, client = 0): SystemOp => ({ client, node, retries: 0, f, input });
    const rounds = 3;
    let stale = 0;
    await recorder.perform(op('write', { key: 'k9', value: 0 }, 'n1'), cluster.clientAddress('n1'), opDeadlineMs);
    for (let round = 1; round <= rounds; round += 1) {
      const leader = await leaderOf(cluster);
      const other = cluster.ids.find((id) => id !== leader) ?? 'n1';
      const leaderId = (await statusOf(cluster.directAddress(leader))).memberId;
      await cluster.isolate(leader);
      // A write sent before the majority elects goes to the old leader and is lost: wait for the election.
      await newLeader(cluster.directAddress(other), leaderId);
      const written = await recorder.perform(op('write', { key: 'k9', value: round }, other, 1), cluster.clientAddress(other), opDeadlineMs);
      const read = await recorder.perform(op('read', { key: 'k9', serializable: true }, leader, 2), cluster.clientAddress(leader), opDeadlineMs);
      const linear = await recorder.perform(op('read', { key: 'k9', serializable: false }, leader, 3), cluster.clientAddress(leader), opDeadlineMs / 2);
      console.log(`round ${round}: ${leader} cut off; write ${round} via ${other}: ${written.type}; serializable read on ${leader}: ${JSON.stringify(read.value['value'])}; linearizable: ${linear.type}`);
      if (written.type === 'ok' && read.type === 'ok' && read.value['value'] !== round) stale += 1;
      expect(linear.type).toBe('fail');
      await cluster.heal();
      expect(await converged(cluster)).toBe('ok');
    }
    const result = checkLinearizable(etcdSystem.workloads['serializable-reads']?.model(null) ?? fail(), recorder.history);
    console.log(`serializable reads: stale in ${stale} of ${rounds} rounds; linearizable reads on the cut-off leader all failed; ${result.verdict}`);
    expect(stale).toBeGreaterThan(0);
    expect(result.verdict).toBe('illegal');
  }, 90_000);

  it('keeps the lock mutually exclusive without faults, by the mutex model and the versions', async () => {
    const workload = etcdSystem.workloads['lock'];
    if (workload === undefined) throw new Error('no lock workload');
    const plans = fc.sample(workload.ops({ nodes: 3, clients: 3, opsMax: 18, objectsMax: 1, contention: 'high' }), { seed, numRuns: 3 });
    const recorder = new Recorder(client);
    await phase(recorder, cluster, plans, 6);
    const result = checkLinearizable(workload.model(null), recorder.history);
    const addresses = Object.fromEntries(cluster.ids.map((id) => [id, cluster.directAddress(id)]));
    expect(await converged(cluster)).toBe('ok');
    const checks = workload.invariants?.(recorder.history, await readFinalStates(addresses, opDeadlineMs)) ?? [];
    console.log(`lock: ${recorder.count('ok', 'incr')} increments; mutex ${result.verdict}; ${checks.map((check) => `${check.name} ${check.verdict}: ${check.summary}`).join('; ')}`);
    expect(recorder.count('ok', 'incr')).toBeGreaterThan(0);
    expect(result.verdict).toBe('ok');
    expect(checks.map((check) => check.verdict)).toEqual(['ok']);
  }, 60_000);

  // The lock's known weakness, by hand: the holder's member is paused (SIGSTOP) past the lease's TTL,
  // so its keep-alives stop, the lease expires and a second client gets the lock while the first still
  // believes it holds it. The mutex model sees two holders; the versions show whether the critical
  // sections themselves overlapped.
  it('sees two holders when a pause outlives the holder lease', async () => {
    const workload = etcdSystem.workloads['lock'];
    if (workload === undefined) throw new Error('no lock workload');
    const recorder = new Recorder(client);
    const op = (f: string, input: Record<string, unknown>, node: string, client: number): SystemOp => ({ client, node, retries: 0, f, input });
    const perform = (f: string, input: Record<string, unknown>, node: string, process: number, deadlineMs = opDeadlineMs) =>
      recorder.perform(op(f, input, node, process), cluster.clientAddress(node), deadlineMs);
    // The paused member is a follower, so the pause starts no election: only the lease runs out.
    const leader = await leaderOf(cluster);
    const [holder, other] = cluster.ids.filter((id) => id !== leader) as [string, string];
    expect((await perform('acquire', { lock: 'mutex' }, holder, 10)).type).toBe('ok');
    cluster.pause(holder);
    const started = Date.now();
    const second = await perform('acquire', { lock: 'mutex' }, other, 11, 5 * opDeadlineMs);
    const waitedMs = Date.now() - started;
    await perform('incr', { key: 'counter' }, other, 11);
    await perform('release', { lock: 'mutex' }, other, 11);
    cluster.resume(holder);
    const late = await perform('incr', { key: 'counter' }, holder, 10);
    await perform('release', { lock: 'mutex' }, holder, 10);
    const result = checkLinearizable(workload.model(null), recorder.history);
    const checks = workload.invariants?.(recorder.history, []) ?? [];
    console.log(`lock under a pause: the second acquire took ${waitedMs} ms (${second.type}); the first holder's late incr: ${late.type}${late.error === undefined ? '' : ` (${late.error})`}; mutex ${result.verdict}; ${checks.map((check) => `${check.name} ${check.verdict}`).join('; ')}`);
    expect(second.type).toBe('ok');
    expect(result.verdict).toBe('illegal');
  }, 60_000);
});

describe.skipIf(etcdBinary === undefined)(`five etcd members, seed ${seed}${skipNote}`, () => {
  it('cuts one pair and keeps the rest: every member still serves linearizable writes and reads', async () => {
    const proxy = await startProxyBackend({ choice: 'embedded', seed });
    const cluster = await startTestCluster({ system: etcdSystem, size: 5, seed, proxy }).catch(async (error: unknown) => {
      await proxy.stop();
      throw error;
    });
    const client = etcdSystem.client();
    const pids = cluster.pids();
    try {
      // Two followers: with the leader in the pair, the other could reach it only through the pair, and
      // (pre-vote on) could not win an election either, so its writes would time out; which member wins
      // the first election is etcd's own timing, so a fixed pair failed whenever it held the leader.
      const leader = await leaderOf(cluster);
      const [a = 'n1', b = 'n2'] = cluster.ids.filter((id) => id !== leader);
      await cluster.cut(a, b);
      const recorder = new Recorder(client);
      for (const [position, id] of cluster.ids.entries()) {
        const write: SystemOp = { client: position, node: id, retries: 0, f: 'write', input: { key: 'k0', value: position } };
        const read: SystemOp = { client: position, node: id, retries: 0, f: 'read', input: { key: 'k0', serializable: false } };
        expect((await recorder.perform(write, cluster.clientAddress(id), opDeadlineMs)).type).toBe('ok');
        expect((await recorder.perform(read, cluster.clientAddress(id), opDeadlineMs)).value['value']).toBe(position);
      }
      expect(checkLinearizable(etcdSystem.workloads['register']?.model(null) ?? fail(), recorder.history).verdict).toBe('ok');
      await cluster.heal();
      expect(await converged(cluster)).toBe('ok');
    } finally {
      await client.close();
      await cluster.stop();
      await proxy.stop();
    }
    expect(pids.every(isGone)).toBe(true);
  }, 60_000);
});

describe.skipIf(etcdBinary === undefined)(`etcd that does not start${skipNote}`, () => {
  it('says in one line, with a code, that a member exited at once, and leaves no process', async () => {
    const proxy = await startProxyBackend({ choice: 'embedded', seed });
    try {
      const pids: number[] = [];
      const started = startTestCluster({ system: etcdSystem, size: 3, seed, proxy, argumentsFor: (_id, args) => [...args, '--no-such-flag'], onSpawn: (pid) => pids.push(pid) });
      const error: unknown = await started.catch((caught: unknown) => caught);
      expect(pids.every(isGone)).toBe(true);
      expect(isSystemStartError(error) && error.code).toBe('node-exited');
      expect((error as Error).message).toMatch(/^etcd node n\d exited with code \d+ before it was ready: /);
      expect((error as Error).message).not.toContain('\n');
    } finally {
      await proxy.stop();
    }
  }, 30_000);

  it('gives up on a member that never becomes ready, with a code, and kills it', async () => {
    const proxy = await startProxyBackend({ choice: 'embedded', seed });
    try {
      // Each member hashes its peers' ids with a token of its own, so no two agree and none finds a leader.
      const pids: number[] = [];
      const ownToken = (id: string, args: string[]): string[] => args.map((arg, position) => (args[position - 1] === '--initial-cluster-token' ? `${arg}-${id}` : arg));
      const error: unknown = await startTestCluster({
        system: etcdSystem, size: 3, seed, proxy, readyDeadlineMs: 2_000, argumentsFor: ownToken, onSpawn: (pid) => pids.push(pid),
      }).catch((caught: unknown) => caught);
      expect(isSystemStartError(error) && error.code).toBe('node-not-ready');
      expect((error as Error).message).toMatch(/^etcd node n\d was not ready within 2000 ms$/);
      expect(pids.length).toBe(3);
      expect(pids.every(isGone)).toBe(true);
    } finally {
      await proxy.stop();
    }
  }, 30_000);
});

function fail(): never {
  throw new Error('missing workload');
}
