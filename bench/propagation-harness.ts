// The rig of bench/propagation: a real receiving branch (`faultline node` b2) behind a Toxiproxy proxy,
// and in this process the sending half of a branch (its Store and Replication, the node's own code),
// with a steady load of commits whose acks are timed one by one.
// Try it: `const rig = await startRig(7); rig.load.start(100); ...; await rig.stop()`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Replication } from '../lab/systems/bank/index.js';
import { Store } from '../lab/systems/bank/index.js';
import { grpcTransport } from '../lab/systems/bank/index.js';
import { realClock } from '../lab/cluster/index.js';
import { freePorts, startTestNode } from '../lab/systems/bank/_testing/support.js';
import type { TestNode } from '../lab/systems/bank/_testing/support.js';
import { startProxyBackend } from '../lab/proxy/index.js';
import type { ProxyBackend } from '../lab/proxy/index.js';

export const linkName = 'b1-b2';
/** Every commit waits this long for its ack at most; a bench that needs longer has failed anyway. */
const ackWaitMsMax = 600_000;
const connectMsMax = 20_000;
const loadTickMs = 10;

export interface Ack {
  sequence: number;
  committedMs: number;
  ackedMs: number;
}

/** Commits one deposit of 1 cent to a1 per op, at a steady rate, and keeps every ack with its times. */
export class Load {
  readonly acks: Ack[] = [];
  private version = 0;
  private timer: NodeJS.Timeout | undefined;
  private owed = 0;

  constructor(private readonly store: Store, private readonly replication: Replication) {}

  get lastSequence(): number {
    return this.store.lastSequence();
  }

  /** Commits `count` ops at once, as a sequencer would decide them. */
  commit(count: number): void {
    for (let index = 0; index < count; index += 1) {
      this.version += 1;
      const update = { account: 'a1', balance: this.version, version: this.version, delta: 1 };
      const committedMs = performance.now();
      const sequence = this.store.commit('b1', `bench-${this.version}`, [update], '{}');
      void this.replication.acknowledged(sequence, Date.now() + ackWaitMsMax).then((acked) => {
        if (acked) this.acks.push({ sequence, committedMs, ackedMs: performance.now() });
      });
    }
    this.replication.notify();
  }

  start(opsPerSecond: number): void {
    this.stop();
    this.timer = setInterval(() => {
      this.owed += (opsPerSecond * loadTickMs) / 1000;
      const due = Math.floor(this.owed);
      this.owed -= due;
      if (due > 0) this.commit(due);
    }, loadTickMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resolves with the first ack received after `sinceMs`. */
  async firstAckAfter(sinceMs: number, msMax: number): Promise<Ack | undefined> {
    const until = performance.now() + msMax;
    while (performance.now() < until) {
      const found = this.acks.find((ack) => ack.ackedMs > sinceMs);
      if (found !== undefined) return found;
      await sleep(5);
    }
    return undefined;
  }

  async acked(sequence: number, msMax: number): Promise<Ack | undefined> {
    const until = performance.now() + msMax;
    while (performance.now() < until) {
      const found = this.acks.find((ack) => ack.sequence >= sequence);
      if (found !== undefined) return found;
      await sleep(5);
    }
    return undefined;
  }
}

export interface Rig {
  proxy: ProxyBackend;
  receiver: TestNode;
  store: Store;
  replication: Replication;
  load: Load;
  senderLog: string[];
  stop(): Promise<void>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

export async function startRig(seed: number): Promise<Rig> {
  const proxy = await startProxyBackend({ choice: 'auto', seed });
  const [senderPort, receiverPort] = await freePorts(2);
  const receiverDir = mkdtempSync(join(tmpdir(), 'faultline-bench-b2-'));
  const senderDir = mkdtempSync(join(tmpdir(), 'faultline-bench-b1-'));
  const link = await proxy.createProxy(linkName, `127.0.0.1:${receiverPort}`);
  // b2 lists b1 as a peer (it accepts b1's stream) at a port where nothing listens: it only receives.
  const receiver = await startTestNode({ id: 'b2', strategy: 'lock-free', dataDir: receiverDir, port: receiverPort!, accounts: 'a1=0', peers: `b1=127.0.0.1:${senderPort}` });
  const store = Store.open(senderDir, [{ account: 'a1', balance: 0 }], realClock);
  const senderLog: string[] = [];
  const replication = new Replication({
    self: 'b1', peers: [{ id: 'b2', address: link }], store, mode: 'log', seed: String(seed),
    epoch: () => store.epoch(), log: (line) => senderLog.push(line), clock: realClock, transport: grpcTransport,
  });
  replication.start();
  if (!(await replication.whenConnected(connectMsMax))) throw new Error('the sender never connected to b2');
  const load = new Load(store, replication);
  return {
    proxy, receiver, store, replication, load, senderLog,
    async stop() {
      load.stop();
      replication.close();
      store.close();
      await receiver.stop();
      await proxy.stop();
      for (const directory of [receiverDir, senderDir]) rmSync(directory, { recursive: true, force: true });
    },
  };
}

export { percentile } from '../lab/report/index.js';
