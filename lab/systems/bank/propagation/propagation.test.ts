// Propagation between real `faultline node` processes: status acks and the dead-letter table, dedup
// across a reconnect, order on one stream, backpressure in rows and bytes, and a half-open link
// (a Toxiproxy blackhole) noticed by keepalive and healed. Run: `npx vitest run lab/systems/bank/propagation`.
import { Metadata, status } from '@grpc/grpc-js';
import type { ClientDuplexStream, StatusObject } from '@grpc/grpc-js';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { AckStatus } from '../../../../proto/index.js';
import type { BranchClient, PropagateAck, PropagateMessage, SnapshotReply } from '../../../../proto/index.js';
import { startProxyBackend } from '../../../proxy/index.js';
import type { ProxyBackend } from '../../../proxy/index.js';
import type { Update } from '../store.js';
import {
  codeOf, deposit, eventually, faultlineBin, freePorts, killNode, removeDirectory, snapshot, startTestNode, stopAllTestNodes, temporaryDirectory,
} from '../_testing/support.js';
import type { NodeOptions, TestNode } from '../_testing/support.js';

/** Keepalive notices a dead link in keepalive_time + keepalive_timeout (3 s); the rest is a loaded machine. */
const halfOpenNoticeMsMax = 12_000;
const streamMsMax = 20_000;

const directories: string[] = [];
let proxy: ProxyBackend | undefined;

function dataDir(): string {
  const path = temporaryDirectory('faultline-propagation-');
  directories.push(path);
  return path;
}

afterAll(async () => {
  await stopAllTestNodes();
  await proxy?.stop();
  for (const path of directories) removeDirectory(path);
});

/** A Propagate stream opened by hand, as a peer would: send messages, read acks one at a time. */
class RawStream {
  private readonly call: ClientDuplexStream<PropagateMessage, PropagateAck>;
  private readonly acks: PropagateAck[] = [];
  private readonly waiting: ((ack: PropagateAck) => void)[] = [];
  readonly ended: Promise<StatusObject>;

  constructor(client: BranchClient, private readonly origin: string) {
    const metadata = new Metadata();
    metadata.set('x-client-id', origin);
    this.call = client.propagate(metadata, { deadline: Date.now() + streamMsMax });
    this.call.on('data', (ack: PropagateAck) => {
      const waiter = this.waiting.shift();
      if (waiter === undefined) this.acks.push(ack);
      else waiter(ack);
    });
    this.call.on('error', () => undefined);
    this.ended = new Promise((resolve) => this.call.on('status', resolve));
  }

  hello(): Promise<PropagateAck> {
    return this.send({ key: 'hello', origin: this.origin, sequence: 0, requestId: '', updates: [], hello: true, epoch: 0, more: [] });
  }

  update(sequence: number, updates: Update[], key = `${this.origin}/${sequence}`): Promise<PropagateAck> {
    return this.send({ key, origin: this.origin, sequence, requestId: `r${sequence}`, updates, hello: false, epoch: 0, more: [] });
  }

  write(message: PropagateMessage): void {
    this.call.write(message);
  }

  close(): void {
    this.call.cancel();
  }

  private send(message: PropagateMessage): Promise<PropagateAck> {
    this.call.write(message);
    const ready = this.acks.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

function peersOf(ids: string[], ports: number[], self: string): string {
  return ids.flatMap((id, index) => (id === self ? [] : [`${id}=127.0.0.1:${ports[index]}`])).join(',');
}

describe('a receiver', () => {
  it('acks APPLIED, DUPLICATE and DEAD_LETTER, keeps dead letters once per key, and refuses a stream out of order', async () => {
    // b2 is a peer that never answers: b1 only receives from it here.
    const [b1Port, b2Port] = await freePorts(2);
    const directory = dataDir();
    const node = await startTestNode({ id: 'b1', strategy: 'lock-free', dataDir: directory, port: b1Port!, accounts: 'a1=0,a2=0', peers: `b2=127.0.0.1:${b2Port}` });
    const first = new RawStream(node.client, 'b2');
    expect((await first.hello()).sequence).toBe(0);
    const statuses = [
      await first.update(1, [{ account: 'a2', balance: 5, version: 1, delta: 5 }]),
      await first.update(2, [{ account: 'zz', balance: 1, version: 1, delta: 1 }]),
      await first.update(3, []),
      await first.update(4, [{ account: 'a2', balance: 9, version: 5, delta: 4 }]),
    ].map((ack) => ack.status);
    expect(statuses).toEqual([AckStatus.ACK_STATUS_APPLIED, AckStatus.ACK_STATUS_DEAD_LETTER, AckStatus.ACK_STATUS_DEAD_LETTER, AckStatus.ACK_STATUS_DEAD_LETTER]);
    first.close();

    // A reconnect resends what it has no ack for: the dedup store answers, nothing applies twice.
    const second = new RawStream(node.client, 'b2');
    expect((await second.hello()).sequence).toBe(4);
    expect((await second.update(1, [{ account: 'a2', balance: 5, version: 1, delta: 5 }])).status).toBe(AckStatus.ACK_STATUS_DUPLICATE);
    expect((await second.update(2, [{ account: 'zz', balance: 1, version: 1, delta: 1 }])).status).toBe(AckStatus.ACK_STATUS_DUPLICATE);
    second.write({ key: 'b2/1', origin: 'b2', sequence: 1, requestId: 'r1', updates: [], hello: false, epoch: 0, more: [] });
    expect((await second.ended).code).toBe(status.INTERNAL);

    const state = await snapshot(node);
    expect(state.accounts).toEqual([{ account: 'a1', balance: 0, version: 0 }, { account: 'a2', balance: 5, version: 1 }]);
    expect(state.applied).toEqual([{ requestId: 'r1', account: 'a2', times: 1 }]);
    expect(state.deadLetters).toBe(3);
    expect(state.stats?.duplicatesSuppressed).toBe(2);
    await node.stop();

    const listed = spawnSync(process.execPath, [faultlineBin, 'dlq', '--data-dir', directory, '--json'], { encoding: 'utf8' });
    const summary = JSON.parse(listed.stdout) as { count: number; deadLetters: { key: string; reason: string }[] };
    expect(summary.deadLetters.map((letter) => [letter.key, letter.reason])).toEqual([
      ['b2/2', 'unknown account zz'], ['b2/3', 'the update changes no account'], ['b2/4', 'version gap on a2: holds 1, got 5'],
    ]);
  });
});

describe('backpressure', () => {
  it('refuses new ops with RESOURCE_EXHAUSTED once the unacked outbox reaches its byte cap, but answers a retry', async () => {
    const [b1Port, b2Port] = await freePorts(2);
    const node = await startTestNode({
      id: 'b1', strategy: 'lock-free', dataDir: dataDir(), port: b1Port!, accounts: 'a1=0', peers: `b2=127.0.0.1:${b2Port}`,
      flags: ['--outbox-bytes-max', '150'],
    });
    // Each row is about 52 bytes of JSON; nobody acks them, so the third fills the cap.
    for (let index = 0; index < 3; index += 1) await deposit(node.client, 'a1', 1, `bytes-${index}`);
    expect(await codeOf(deposit(node.client, 'a1', 1, 'bytes-3'))).toBe(status.RESOURCE_EXHAUSTED);
    expect(await deposit(node.client, 'a1', 1, 'bytes-1')).toEqual({ balance: 2, version: 2 });
    const state = await snapshot(node);
    expect(state.accounts).toEqual([{ account: 'a1', balance: 3, version: 3 }]);
    expect(state.outbox).toBe(3);
    await node.stop();
  });

  it('caps the outbox in rows, through a remote serialization point too, and accepts again once a restarted peer drained it', async () => {
    const ids = ['b1', 'b2', 'b3'];
    const ports = await freePorts(3);
    const dirs = ids.map(() => dataDir());
    const options = (index: number): NodeOptions => ({
      id: ids[index]!, strategy: 'lock-free', dataDir: dirs[index]!, port: ports[index]!, accounts: 'a1=0',
      peers: peersOf(ids, ports, ids[index]!), flags: ['--outbox-max', '3'],
    });
    const nodes = await Promise.all(ids.map((_, index) => startTestNode(options(index))));
    await killNode(nodes[2]!);
    for (let index = 0; index < 3; index += 1) await deposit(nodes[index % 2]!.client, 'a1', 1, `rows-${index}`);
    expect(await codeOf(deposit(nodes[0]!.client, 'a1', 1, 'rows-3'))).toBe(status.RESOURCE_EXHAUSTED);
    expect(await codeOf(deposit(nodes[1]!.client, 'a1', 1, 'rows-4'))).toBe(status.RESOURCE_EXHAUSTED);

    nodes[2] = await startTestNode(options(2));
    expect(await eventually(async () => (await snapshot(nodes[0]!)).outbox === 0, streamMsMax)).toBe(true);
    expect(await deposit(nodes[1]!.client, 'a1', 1, 'rows-5')).toEqual({ balance: 4, version: 4 });
    let states: SnapshotReply[] = [];
    const agreed = await eventually(async () => {
      states = await Promise.all(nodes.map(snapshot));
      return states.every((state) => state.outbox === 0 && state.accounts[0]?.version === 4);
    });
    expect(agreed, JSON.stringify(states)).toBe(true);
    for (const state of states) {
      expect(state.accounts).toEqual([{ account: 'a1', balance: 4, version: 4 }]);
      expect(state.applied.every((key) => key.times === 1)).toBe(true);
    }
    await Promise.all(nodes.map((node) => node.stop()));
  });
});

describe('a half-open link', () => {
  it('is noticed by keepalive within a bound, and the update waiting behind it is delivered once it heals', async () => {
    proxy = await startProxyBackend({ choice: 'embedded', seed: 4 });
    const ids = ['b1', 'b2'];
    const ports = await freePorts(2);
    const link = await proxy.createProxy('b1-b2', `127.0.0.1:${ports[1]}`);
    const nodes = await Promise.all(ids.map((id, index) => startTestNode({
      id, strategy: 'lock-free', dataDir: dataDir(), port: ports[index]!, accounts: 'a1=0',
      peers: id === 'b1' ? `b2=${link}` : `b1=127.0.0.1:${ports[0]}`,
    })));
    const [sender, receiver] = nodes as [TestNode, TestNode];
    await deposit(sender.client, 'a1', 1, 'half-open-0');
    expect(await eventually(async () => (await snapshot(sender)).outbox === 0)).toBe(true);

    // A blackhole both ways: the TCP connection stays up and nothing crosses it, as when a peer vanishes.
    const logBefore = sender.stderr().length;
    const cut = performance.now();
    for (const stream of ['upstream', 'downstream'] as const) {
      await proxy.adapter.addToxic('b1-b2', { name: `blackhole-${stream}`, type: 'timeout', stream, attributes: { timeout: 0 } });
    }
    await deposit(sender.client, 'a1', 1, 'half-open-1');
    const noticed = await eventually(async () => sender.stderr().slice(logBefore).includes('stream to b2 ended'), halfOpenNoticeMsMax, 20);
    const noticedMs = performance.now() - cut;
    expect(noticed, sender.stderr()).toBe(true);
    expect(noticedMs).toBeLessThan(halfOpenNoticeMsMax);
    expect((await snapshot(sender)).outbox).toBe(1);

    for (const stream of ['upstream', 'downstream'] as const) await proxy.adapter.removeToxic('b1-b2', `blackhole-${stream}`);
    expect(await eventually(async () => (await snapshot(receiver)).accounts[0]?.balance === 2, streamMsMax)).toBe(true);
    // The receiver applies before it acks, so the sender's outbox empties a moment after the balance shows.
    expect(await eventually(async () => (await snapshot(sender)).outbox === 0, streamMsMax)).toBe(true);
    expect((await snapshot(receiver)).applied.every((key) => key.times === 1)).toBe(true);
    await Promise.all(nodes.map((node) => node.stop()));
  });
});
