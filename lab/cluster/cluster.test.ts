// startCluster against real `faultline node` processes: addresses, process controls, a clean stop,
// a start that fails without leaving anything behind, a start that no port thief can break, and a run
// interrupted with SIGINT.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUnary, connectedAddresses, isGone, isListening, listeningAddresses, NodeStartError, processesMentioning, processState, splitAddress, startCluster, waitForSettled } from './index.js';
import type { Cluster } from './index.js';
import { startProxyBackend } from '../proxy/index.js';
import type { ProxyBackend } from '../proxy/index.js';

const goneWithinMs = 5_000;

async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = goneWithinMs): Promise<boolean> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

async function noneListening(addresses: string[]): Promise<boolean> {
  const listening = await Promise.all(addresses.map((address) => {
    const { host, port } = splitAddress(address);
    return isListening(host, port);
  }));
  return listening.every((open) => !open);
}

describe('startCluster (3 branches, lock)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ branches: 3, strategy: 'lock', accounts: [{ account: 'a1', balance: 100 }, { account: 'a2', balance: 5 }] });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('starts one process per branch, each listening on its own port of 127.0.0.1 and nowhere else, with its links named', async () => {
    expect(cluster.branches).toEqual(['b1', 'b2', 'b3']);
    const pids = Object.values(cluster.pids());
    expect(new Set(pids).size).toBe(3);
    for (const branch of cluster.branches) {
      expect(cluster.nodeAddress(branch)).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(cluster.address(branch)).toBe(cluster.nodeAddress(branch));
      expect(cluster.isRunning(branch)).toBe(true);
    }
    for (const [branch, pid] of Object.entries(cluster.pids())) {
      expect(listeningAddresses(pid), branch).toEqual([cluster.nodeAddress(branch)]);
    }
    expect(cluster.links.map((link) => link.name)).toEqual(['client-b1', 'client-b2', 'client-b3', 'b1-b2', 'b1-b3', 'b2-b1', 'b2-b3', 'b3-b1', 'b3-b2']);
  });

  it('reads every branch\'s state, and resets them all to new accounts', async () => {
    const states = await cluster.snapshot();
    expect(states.map((state) => state.branch)).toEqual(['b1', 'b2', 'b3']);
    for (const state of states) expect(state.accounts.a1?.balance).toBe(100);
    await cluster.reset([{ account: 'a3', balance: 7 }]);
    for (const state of await cluster.snapshot()) {
      expect(Object.keys(state.accounts)).toEqual(['a3']);
      expect(state.accounts.a3?.balance).toBe(7);
    }
  });

  it('pauses with SIGSTOP and resumes with SIGCONT', async () => {
    const pid = cluster.pids().b2 ?? 0;
    cluster.pause('b2');
    expect(await eventually(() => processState(pid) === 'T')).toBe(true);
    expect(cluster.isPaused('b2')).toBe(true);
    cluster.resume('b2');
    expect(await eventually(() => processState(pid) !== 'T')).toBe(true);
    expect(cluster.isPaused('b2')).toBe(false);
  });

  it('kills a branch with SIGKILL and restarts it on the same port with its data', async () => {
    const client = cluster.client('b3');
    await callUnary(client.deposit.bind(client), { clientId: 'test', requestId: 'restart-1', account: 'a3', amount: 5 }, 5_000);
    const before = cluster.pids().b3 ?? 0;
    const address = cluster.nodeAddress('b3');
    await cluster.kill('b3');
    expect(cluster.isRunning('b3')).toBe(false);
    expect(isGone(before)).toBe(true);
    expect(await noneListening([address])).toBe(true);
    await cluster.restart('b3');
    expect(cluster.nodeAddress('b3')).toBe(address);
    expect(cluster.pids().b3).not.toBe(before);
    const reply = await callUnary(client.query.bind(client), { clientId: 'test', account: 'a3' }, 5_000);
    expect(reply.balance).toBe(12);
  });

  it('stops every process, frees every port and removes its temporary data dir; stop is idempotent', async () => {
    const pids = Object.values(cluster.pids());
    const addresses = cluster.branches.map((branch) => cluster.nodeAddress(branch));
    await Promise.all([cluster.stop(), cluster.stop()]);
    await cluster.stop();
    expect(pids.every(isGone)).toBe(true);
    expect(await noneListening(addresses)).toBe(true);
    expect(existsSync(cluster.dataDir)).toBe(false);
  });
});

describe('startCluster with a proxy on every link (embedded Toxiproxy)', () => {
  let proxy: ProxyBackend;
  let cluster: Cluster;

  beforeAll(async () => {
    proxy = await startProxyBackend({ choice: 'embedded', seed: 2 });
    cluster = await startCluster({ branches: 3, strategy: 'lock', accounts: [{ account: 'a1', balance: 0 }], proxy });
  });

  afterAll(async () => {
    await cluster.stop();
    await proxy.stop();
  });

  it('makes one proxy per link, upstream of the link\'s target, and points clients and peers at them', async () => {
    const proxies = await proxy.client.getAll();
    expect(Object.keys(proxies).sort()).toEqual(cluster.links.map((link) => link.name).sort());
    for (const link of cluster.links) {
      expect(proxies[link.name]?.upstream, link.name).toBe(cluster.nodeAddress(link.to));
      expect(proxies[link.name]?.listen, link.name).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    for (const branch of cluster.branches) {
      expect(cluster.address(branch)).toBe(proxies[`client-${branch}`]?.listen);
      // The peers came on stdin (each node bound port 0 first): its streams show where they went.
      const pid = cluster.pids()[branch] ?? 0;
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--peers-from-stdin');
      const dialed = new Set(connectedAddresses(pid));
      for (const peer of cluster.branches.filter((other) => other !== branch)) {
        expect(dialed.has(proxies[`${branch}-${peer}`]?.listen ?? ''), `${branch} dials ${peer} through its proxy`).toBe(true);
        expect(dialed.has(cluster.nodeAddress(peer)), `${branch} never dials ${peer} directly`).toBe(false);
      }
    }
  });

  it('serves customers through the proxies and replicates through them', async () => {
    const client = cluster.client('b2');
    const identity = { clientId: 'proxied', requestId: 'proxied-1' };
    await callUnary(client.deposit.bind(client), { ...identity, account: 'a1', amount: 3 }, 5_000, identity);
    const settled = await waitForSettled(cluster);
    expect(settled.states.map((state) => state.accounts.a1?.balance)).toEqual([3, 3, 3]);
  });

  it('restarts a killed branch on a port of its own behind the same proxies, though its old port was taken', async () => {
    const before = (await cluster.snapshot()).map((state) => state.accounts.a1?.balance);
    const old = splitAddress(cluster.nodeAddress('b1'));
    await cluster.kill('b1');
    // What the kernel may do to a port let go of: give it to someone else before the restart.
    const thief = createServer().listen({ host: old.host, port: old.port });
    try {
      await cluster.restart('b1');
      expect(cluster.nodeAddress('b1')).not.toBe(`${old.host}:${old.port}`);
      const proxies = await proxy.client.getAll();
      for (const link of cluster.links.filter((candidate) => candidate.to === 'b1')) {
        expect(proxies[link.name]?.upstream, link.name).toBe(cluster.nodeAddress('b1'));
      }
      const settled = await waitForSettled(cluster);
      expect(settled.states.map((state) => state.accounts.a1?.balance)).toEqual(before);
    } finally {
      thief.close();
    }
  });
});

describe('a cluster started while something takes every port this process lets go of', () => {
  it('starts all the same: each node binds port 0, so there is no picked port to lose', async () => {
    // The race of a fresh clone's `npm test`: a port found free and released for a node to bind was
    // taken in between. Here the taking is certain: every port a server of this process closes is
    // bound again at once by a thief.
    const thieves: Server[] = [];
    const close = Server.prototype.close;
    Server.prototype.close = function closeThenSteal(this: Server, callback?: (error?: Error) => void): Server {
      const released = this.address();
      return close.call(this, (error?: Error) => {
        if (typeof released === 'object' && released !== null) thieves.push(createServer().listen({ host: released.address, port: released.port }));
        callback?.(error);
      });
    };
    let cluster: Cluster | undefined;
    try {
      cluster = await startCluster({ branches: 2, strategy: 'lock', accounts: [{ account: 'a1', balance: 1 }] });
      const states = await cluster.snapshot();
      expect(states.map((state) => state.accounts.a1?.balance)).toEqual([1, 1]);
    } finally {
      Server.prototype.close = close;
      await cluster?.stop();
      for (const thief of thieves) thief.close();
    }
  });
});

describe('a cluster that cannot start', () => {
  it('throws with the failing node\'s stderr and leaves no process behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'faultline-cluster-test-'));
    try {
      const starting = startCluster({ branches: 2, strategy: 'lock', dataDir, bug: 'no-such-bug' });
      await expect(starting).rejects.toBeInstanceOf(NodeStartError);
      await expect(starting).rejects.toThrow(/branch b\d did not start: .*no-such-bug/);
      expect(processesMentioning(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a run interrupted with SIGINT', () => {
  it('leaves no child process, no listening port and no temporary data dir', async () => {
    const script = fileURLToPath(new URL('./fixtures/interrupted-cluster.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
      void exited.then(() => reject(new Error(`the script exited early: ${stderr}`)));
    });
    const started = JSON.parse(line) as { pids: number[]; addresses: string[]; dataDir: string };
    expect(started.pids).toHaveLength(2);
    expect(started.pids.some(isGone)).toBe(false);
    expect(await noneListening(started.addresses)).toBe(false);

    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await eventually(() => started.pids.every(isGone))).toBe(true);
    expect(await eventually(() => noneListening(started.addresses))).toBe(true);
    expect(existsSync(started.dataDir)).toBe(false);
  });
});
