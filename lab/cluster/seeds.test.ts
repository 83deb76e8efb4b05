// One seed, one run: a reused cluster reset with seeds draws what a fresh cluster reset with them draws,
// in its nodes (Snapshot's randomness) and in its embedded proxy (the decision log), whatever ran before.
// Run: `npx vitest run lab/cluster/seeds.test.ts`. Seeds are in the titles.
//
// The traffic is chosen so that what is drawn does not depend on OS timing: a jittered latency draws
// once per chunk it passes, so it sits only on a customer connection that is already dialed, for the
// deposits (one request, one chunk) and no longer than a keepalive interval; toxicity rolls once per
// connection; a flap of a link makes exactly one reconnect, since the link is back long before the
// sender's first backoff (50 ms at least). Contention (lock-free's retries) would not be deterministic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BranchClient, Randomness } from '../../proto/index.js';
import { startProxyBackend } from '../proxy/index.js';
import type { ProxyBackend } from '../proxy/index.js';
import { callUnary, startCluster, waitForSettled } from './index.js';
import type { Cluster, ClusterSeeds } from './index.js';

const accounts = [{ account: 'a1', balance: 100 }];
const seeds: ClusterSeeds = { nodes: -1_759_153_156, proxy: 31 };
const callMsMax = 5_000;
const drawWaitMsMax = 3_000;

interface RunTrace {
  decisions: string;
  randomness: Record<string, Randomness | undefined>;
  balances: (number | undefined)[];
}

interface RunShape {
  deposits: number;
  /** Flaps of the link b1-b2 (each one reconnect, so one draw of b1's stream to b2). */
  flaps: number;
  /** A second customer channel to b2, left open when the run ends (the next reset must cope). */
  lingering?: boolean;
}

function deposit(client: BranchClient, amount: number, requestId: string): Promise<unknown> {
  const identity = { clientId: 'seeds', requestId };
  return callUnary(client.deposit.bind(client), { ...identity, account: 'a1', amount }, callMsMax, identity);
}

async function drawsOf(cluster: Cluster, branch: string): Promise<number> {
  const reply = (await cluster.snapshotReplies()).find((entry) => entry.branch === branch);
  return reply?.randomness?.draws ?? 0;
}

/** Cuts every connection of b1-b2 and lets it back at once: b1's stream fails once, redials after its backoff. */
async function flap(cluster: Cluster, proxy: ProxyBackend): Promise<void> {
  const before = await drawsOf(cluster, 'b1');
  await proxy.adapter.setEnabled('b1-b2', false);
  await proxy.adapter.setEnabled('b1-b2', true);
  const started = performance.now();
  while ((await drawsOf(cluster, 'b1')) === before && performance.now() - started < drawWaitMsMax) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(await cluster.streamsUp()).toBe(true);
}

/**
 * One run: heal, reset with `runSeeds`, then a fixed sequence. The customer channel to b1 is dialed
 * (a query) before the toxics go on, so the jittered latency sees only the deposits' requests, one
 * chunk each; the toxics come off before anything else (keepalive pings) could pass them.
 */
async function run(cluster: Cluster, proxy: ProxyBackend, runSeeds: ClusterSeeds, shape: RunShape): Promise<RunTrace> {
  await proxy.reset();
  await cluster.reset(accounts, runSeeds);
  const client = cluster.client('b1');
  await callUnary(client.query.bind(client), { clientId: 'seeds', account: 'a1' }, callMsMax);
  await proxy.adapter.addToxic('client-b1', { name: 'slow', type: 'latency', stream: 'upstream', attributes: { latency: 4, jitter: 4 } });
  await proxy.adapter.addToxic('client-b1', { name: 'coin', type: 'latency', stream: 'downstream', toxicity: 0.5, attributes: { latency: 1, jitter: 0 } });
  // On b1's propagation connection to b3: one roll, on the connection the reset opened.
  await proxy.adapter.addToxic('b1-b3', { name: 'coin', type: 'latency', stream: 'downstream', toxicity: 0.5, attributes: { latency: 1, jitter: 0 } });
  for (let index = 0; index < shape.deposits; index += 1) await deposit(client, index + 1, `deposit-${index}`);
  await proxy.reset();
  if (shape.lingering === true) {
    const other = cluster.client('b2');
    await callUnary(other.query.bind(other), { clientId: 'seeds', account: 'a1' }, callMsMax);
  }
  for (let index = 0; index < shape.flaps; index += 1) await flap(cluster, proxy);
  const settled = await waitForSettled(cluster);
  const replies = await cluster.snapshotReplies();
  return {
    decisions: JSON.stringify(await proxy.decisions()),
    randomness: Object.fromEntries(replies.map((reply) => [reply.branch, reply.randomness])),
    balances: settled.states.map((state) => state.accounts.a1?.balance),
  };
}

describe(`a reused cluster reset with seeds ${JSON.stringify(seeds)}`, () => {
  const started: { cluster: Cluster; proxy: ProxyBackend }[] = [];

  async function fresh(launchSeed: number, proxySeed: number): Promise<{ cluster: Cluster; proxy: ProxyBackend }> {
    const proxy = await startProxyBackend({ choice: 'embedded', seed: proxySeed });
    const cluster = await startCluster({ branches: 3, strategy: 'lock-free', accounts, seed: launchSeed, proxy });
    started.push({ cluster, proxy });
    return { cluster, proxy };
  }

  let reused: { cluster: Cluster; proxy: ProxyBackend };
  beforeAll(async () => {
    reused = await fresh(1, 2);
  });

  afterAll(async () => {
    for (const { cluster, proxy } of started) {
      await cluster.stop();
      await proxy.stop();
    }
  });

  it('draws the same in its nodes and its proxy as after runs of other seeds, and as a fresh cluster', async () => {
    const shape: RunShape = { deposits: 5, flaps: 1 };
    const first = await run(reused.cluster, reused.proxy, seeds, shape);
    // What the run drew, so an empty trace cannot pass: jitter and rolls on client-b1, a roll on
    // b1-b3, one reconnect delay of b1's stream to b2, nothing else in any node.
    const dump = JSON.parse(first.decisions) as { seed: string; decisions: { proxy: string; toxic: string; connection: number; kind: string }[] };
    expect(dump.seed).toBe(String(seeds.proxy));
    expect(dump.decisions.filter((decision) => decision.proxy === 'client-b1' && decision.kind === 'jitter')).toHaveLength(shape.deposits);
    // Every toxic rolls once per connection it acts on (toxicity 1 too); b1's stream to b3 is connection 1 again.
    expect(dump.decisions.filter((decision) => decision.kind === 'toxicity').map((decision) => `${decision.proxy}/${decision.toxic}#${decision.connection}`))
      .toEqual(['b1-b3/coin#1', 'client-b1/coin#1', 'client-b1/slow#1']);
    expect(first.randomness['b1']).toMatchObject({ seed: String(seeds.nodes), draws: 1 });
    expect(first.randomness['b2']).toMatchObject({ draws: 0 });
    expect(first.balances).toEqual([115, 115, 115]);

    // Other runs, of other seeds, that leave other ordinals, draws and a lingering connection behind.
    const other = await run(reused.cluster, reused.proxy, { nodes: 5, proxy: 6 }, { deposits: 3, flaps: 2, lingering: true });
    expect(other.decisions).not.toBe(first.decisions);
    expect(other.randomness['b1']?.digest).not.toBe(first.randomness['b1']?.digest);
    await run(reused.cluster, reused.proxy, { nodes: -9, proxy: 10 }, { deposits: 7, flaps: 1, lingering: true });

    const again = await run(reused.cluster, reused.proxy, seeds, shape);
    expect(again).toEqual(first);

    const other2 = await fresh(77, 78);
    expect(await run(other2.cluster, other2.proxy, seeds, shape)).toEqual(first);
  });

  it('restarts a killed node from the seed of its latest reset', async () => {
    const { cluster, proxy } = reused;
    await proxy.reset();
    await cluster.reset(accounts, { nodes: -3, proxy: 4 });
    await cluster.kill('b3');
    await cluster.restart('b3');
    const b3 = (await cluster.snapshotReplies()).find((reply) => reply.branch === 'b3');
    expect(b3?.randomness?.seed).toBe('-3');
    await cluster.reset(accounts);
    const launched = (await cluster.snapshotReplies()).map((reply) => reply.randomness?.seed);
    expect(launched).toEqual(['1', '1', '1']);
  });

  it('refuses a seed that is not a safe integer', async () => {
    await expect(reused.cluster.reset(accounts, { nodes: 1.5, proxy: 0 })).rejects.toMatchObject({ code: 'cluster-options' });
  });
});
