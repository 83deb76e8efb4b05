// The nemesis primitives against a real (embedded) Toxiproxy server: which proxies each partition
// cuts, toxic faults applied and healed by name, and process faults on real child processes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { branchIds, clusterLinks } from '../plan/index.js';
import { startProxyBackend } from '../proxy/index.js';
import { EchoClient, startEchoServer } from '../proxy/_testing/harness.js';
import type { EchoServer } from '../proxy/_testing/harness.js';
import type { ProxyBackend } from '../proxy/index.js';
import { describeFault, partitionLinks } from '../plan/index.js';
import type { BranchId, CutMethod, Fault, LinkToxic, PartitionMode, ToxicStream } from '../plan/index.js';
import { nemesisContext } from './context.js';
import type { NemesisContext, ProcessControls } from './context.js';
import { NemesisFaultDriver } from './driver.js';
import type { NemesisTarget } from './driver.js';
import { partition, partitionOneWay, splitMajority } from './partitions.js';
import { healAll, kill, pause } from './processes.js';

const branches = branchIds(3);
const waitMs = 2_000;

let backend: ProxyBackend;
let echo: EchoServer;
let listens: Map<string, string>;
let context: NemesisContext;

beforeAll(async () => {
  backend = await startProxyBackend({ choice: 'embedded', seed: 3 });
  echo = await startEchoServer();
  listens = new Map();
  for (const link of clusterLinks(branches)) listens.set(link.name, await backend.createProxy(link.name, echo.address));
});

afterEach(async () => {
  await healAll(context);
});

afterAll(async () => {
  await backend.stop();
  await echo.close();
});

async function disabledLinks(): Promise<string[]> {
  return (await backend.adapter.listProxies()).filter((proxy) => !proxy.enabled).map((proxy) => proxy.name);
}

/** The driver over the proxies alone (no processes), with the plan's fault vocabulary. */
function linkDriver(): NemesisFaultDriver {
  const target: NemesisTarget = { branches, kill: noProcess, restart: noProcess, pause: noProcess, resume: noProcess, streamsUp: async () => true };
  const driver = new NemesisFaultDriver(target, backend.adapter);
  context = driver.context;
  driver.beginRun('test');
  return driver;
}

function noProcess(): never {
  throw new Error('this test has no processes');
}

function partitionOf(mode: PartitionMode, from: BranchId[], to: BranchId[], cut?: CutMethod): Fault {
  return { kind: 'partition', mode, from, to, links: partitionLinks(mode, from, to), ...(cut === undefined ? {} : { cut }) };
}

describe('partitions', () => {
  let driver: NemesisFaultDriver;
  beforeAll(() => {
    driver = linkDriver();
  });

  it('cuts exactly the links of each shape, both directions where symmetric', async () => {
    const shapes: [Fault, string[]][] = [
      [partitionOf('symmetric', ['b1'], ['b2', 'b3']), ['b1-b2', 'b1-b3', 'b2-b1', 'b3-b1']],
      [partitionOf('one-way', ['b1'], ['b2']), ['b1-b2']],
      [partitionOf('isolate', ['b2'], ['b1', 'b3']), ['b1-b2', 'b2-b1', 'b2-b3', 'b3-b2', 'client-b2']],
      [partitionOf('majority', ['b1', 'b2'], ['b3']), ['b1-b3', 'b2-b3', 'b3-b1', 'b3-b2']],
    ];
    for (const [index, [fault, expected]] of shapes.entries()) {
      expect(await driver.apply(index, fault)).toBeUndefined();
      expect(await disabledLinks()).toEqual(expected);
      expect(await driver.heal(index, fault)).toBeUndefined();
      expect(await disabledLinks()).toEqual([]);
    }
  });

  it('keeps a link cut while another partition still cuts it', async () => {
    driver.beginRun('overlap');
    const isolation = partitionOf('isolate', ['b1'], ['b2', 'b3']);
    await driver.apply(0, isolation);
    await partitionOneWay(context, ['b1'], ['b2']);
    expect(await driver.heal(0, isolation)).toBeUndefined();
    expect(await disabledLinks()).toEqual(['b1-b2']);
  });

  it('blackholes a link with timeout toxics: data stops, and the heal closes the held connection', async () => {
    driver.beginRun('blackhole');
    const fault = partitionOf('one-way', ['b1'], ['b3'], 'blackhole');
    const client = await EchoClient.connect(listens.get('b1-b3') ?? '');
    await driver.apply(0, fault);
    expect((await backend.adapter.getProxy('b1-b3')).toxics.map((toxic) => toxic.name)).toEqual(['faultline-blackhole-upstream', 'faultline-blackhole-downstream']);
    await expect(client.roundTrip(8, 300)).rejects.toThrow(/timed out/);
    await driver.heal(0, fault);
    expect(await client.ended(waitMs)).toBe('end');
    const fresh = await EchoClient.connect(listens.get('b1-b3') ?? '');
    expect(await fresh.roundTrip(8, waitMs)).toBeLessThan(waitMs);
    fresh.close();
  });

  it('rejects shapes that make no sense, and a fault healed twice is a bug of the lab', async () => {
    driver.beginRun('nonsense');
    expect(() => splitMajority(context, ['b2', 'b3'])).toThrow(/minority/);
    expect(() => partition(context, ['b1', 'b2'], ['b2'])).toThrow(/overlap/);
    const unknownLink: Fault = { kind: 'toxic', toxic: { kind: 'latency', latencyMs: 1, jitterMs: 0 }, stream: 'downstream', links: ['b1-b9'] };
    expect(await driver.apply(0, unknownLink)).toMatch(/no link/);
    const fault = partitionOf('one-way', ['b2'], ['b3']);
    await driver.apply(1, fault);
    await driver.heal(1, fault);
    await expect(driver.heal(1, fault)).rejects.toThrow(/healed twice/);
  });
});

describe('toxic faults', () => {
  let driver: NemesisFaultDriver;
  beforeAll(() => {
    driver = linkDriver();
  });

  it('adds a toxic named after the fault on each stream asked for, and its heal removes it', async () => {
    driver.beginRun('latency');
    const fault: Fault = { kind: 'toxic', toxic: { kind: 'latency', latencyMs: 120, jitterMs: 0 }, stream: 'both', links: ['client-b1', 'b2-b3'] };
    expect(await driver.apply(0, fault)).toBeUndefined();
    const names = (await backend.adapter.listProxies()).flatMap((proxy) => proxy.toxics.map((toxic) => `${proxy.name}/${toxic.name}`)).sort();
    expect(names).toEqual(['b2-b3/fault0-latency-downstream', 'b2-b3/fault0-latency-upstream', 'client-b1/fault0-latency-downstream', 'client-b1/fault0-latency-upstream']);
    const client = await EchoClient.connect(listens.get('client-b1') ?? '');
    expect(await client.roundTrip(8, waitMs)).toBeGreaterThanOrEqual(230);
    await driver.heal(0, fault);
    // Below the 240 ms the two toxics added, with room for a loaded machine.
    expect(await client.roundTrip(8, waitMs)).toBeLessThan(230);
    client.close();
    expect((await backend.adapter.listProxies()).flatMap((proxy) => proxy.toxics)).toEqual([]);
  });

  it("refuses a slicer that would crash Toxiproxy's server, and adds nothing", async () => {
    driver.beginRun('slicer');
    const wide: Fault = { kind: 'toxic', toxic: { kind: 'slicer', averageSize: 7, sizeVariation: 16, delayUs: 100 }, stream: 'upstream', links: ['b2-b1'] };
    expect(await driver.apply(0, wide)).toMatch(/size_variation \(16\) must be less than average_size \(7\)/);
    const empty: Fault = { kind: 'toxic', toxic: { kind: 'slicer', averageSize: 0, sizeVariation: 0, delayUs: 100 }, stream: 'upstream', links: ['b2-b1'] };
    expect(await driver.apply(1, empty)).toMatch(/average_size must be at least 1/);
    expect((await backend.adapter.listProxies()).flatMap((proxy) => proxy.toxics)).toEqual([]);
  });

  it('maps every toxic kind to the servers own type and attributes', async () => {
    driver.beginRun('kinds');
    const toxics: [LinkToxic, ToxicStream, number?][] = [
      [{ kind: 'bandwidth', rateKBps: 50 }, 'downstream'],
      [{ kind: 'slicer', averageSize: 16, sizeVariation: 4, delayUs: 100 }, 'upstream'],
      [{ kind: 'reset_peer', timeoutMs: 5 }, 'downstream', 0.5],
      [{ kind: 'timeout', timeoutMs: 50 }, 'downstream'],
      [{ kind: 'limit_data', bytes: 100 }, 'downstream'],
      [{ kind: 'slow_close', delayMs: 20 }, 'downstream'],
    ];
    for (const [index, [toxic, stream, toxicity]] of toxics.entries()) {
      const fault: Fault = { kind: 'toxic', toxic, stream, links: ['b1-b2'], ...(toxicity === undefined ? {} : { toxicity }) };
      expect(await driver.apply(index, fault)).toBeUndefined();
    }
    const applied = (await backend.adapter.getProxy('b1-b2')).toxics.map(({ type, stream, toxicity, attributes }) => ({ type, stream, toxicity, attributes }));
    expect(applied).toEqual([
      { type: 'slicer', stream: 'upstream', toxicity: 1, attributes: { average_size: 16, size_variation: 4, delay: 100 } },
      { type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 50 } },
      { type: 'reset_peer', stream: 'downstream', toxicity: 0.5, attributes: { timeout: 5 } },
      { type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 50 } },
      { type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 100 } },
      { type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 20 } },
    ]);
    expect(describeFault({ kind: 'toxic', toxic: { kind: 'reset_peer', timeoutMs: 5 }, stream: 'downstream', links: ['b1-b2'], toxicity: 0.5 })).toBe('reset_peer(timeoutMs=5) downstream on b1-b2, toxicity 0.5');
  });
});

/** Real processes behind the controls: a one-line TCP echo per branch, on a port that stays its own. */
class EchoProcesses implements ProcessControls {
  readonly children = new Map<string, ChildProcess>();
  readonly ports = new Map<string, number>();

  async start(branch: string, port = 0): Promise<number> {
    const script = `const s=require('net').createServer(c=>c.pipe(c)).listen(${port},'127.0.0.1',()=>console.log(s.address().port))`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.children.set(branch, child);
    const bound = await new Promise<number>((resolve) => child.stdout?.once('data', (data: Buffer) => resolve(Number(data.toString().trim()))));
    this.ports.set(branch, bound);
    return bound;
  }

  async kill(branch: string): Promise<void> {
    const child = this.children.get(branch);
    if (child === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(branch: string): Promise<void> {
    await this.start(branch, this.ports.get(branch));
  }

  async pause(branch: string): Promise<void> {
    this.children.get(branch)?.kill('SIGSTOP');
  }

  async resume(branch: string): Promise<void> {
    this.children.get(branch)?.kill('SIGCONT');
  }

  async stopAll(): Promise<void> {
    for (const branch of this.children.keys()) {
      this.children.get(branch)?.kill('SIGCONT');
      await this.kill(branch);
    }
  }
}

describe('process faults and heal-all', () => {
  const processes = new EchoProcesses();

  beforeAll(async () => {
    const port = await processes.start('b2');
    await backend.createProxy('client-b2', `127.0.0.1:${port}`);
    context = nemesisContext({ proxy: backend.adapter, branches, processes });
  });

  afterAll(async () => {
    await processes.stopAll();
  });

  it('pause stops a node answering and heal-all resumes it; kill -9 and heal-all restart it', async () => {
    const listen = (await backend.adapter.getProxy('client-b2')).listen;
    const paused = await EchoClient.connect(listen);
    await pause(context, 'b2');
    await expect(paused.roundTrip(8, 300)).rejects.toThrow(/timed out/);
    await partition(context, ['b1'], ['b2', 'b3', 'client']);
    const healed = await healAll(context);
    expect(healed.nodes).toEqual(['b2']);
    expect(await disabledLinks()).toEqual([]);
    await paused.until(() => paused.received >= 8, waitMs);
    paused.close();

    await kill(context, 'b2');
    const refused = await EchoClient.connect(listen);
    expect(await refused.ended(waitMs)).toBe('end');
    await healAll(context);
    const restarted = await EchoClient.connect(listen);
    expect(await restarted.roundTrip(8, waitMs)).toBeLessThan(waitMs);
    restarted.close();
  });
});
