// The nemesis primitives against a real (embedded) Toxiproxy server: which proxies each partition
// cuts, toxic faults applied and healed by name, and process faults on real child processes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { branchIds, clusterLinks } from '../cluster/links.js';
import { startProxyBackend } from '../proxy/backends.js';
import { EchoClient, startEchoServer } from '../proxy/harness.js';
import type { EchoServer } from '../proxy/harness.js';
import type { ProxyBackend } from '../proxy/types.js';
import { nemesisContext } from './context.js';
import type { NemesisContext, ProcessControls } from './context.js';
import { applyFault, describeFault, faultToxicName, healFault } from './faults.js';
import type { Fault } from './faults.js';
import { isolate, partitionOneWay } from './partitions.js';
import { healAll } from './processes.js';

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

describe('partitions', () => {
  beforeAll(() => {
    context = nemesisContext({ proxy: backend.adapter, branches });
  });

  it('cuts exactly the links of each shape, both directions where symmetric', async () => {
    const shapes: [Fault, string[]][] = [
      [{ kind: 'partition', params: { mode: 'disable' }, targets: { groups: [['b1'], ['b2', 'b3']] } }, ['b1-b2', 'b1-b3', 'b2-b1', 'b3-b1']],
      [{ kind: 'one-way', params: { mode: 'disable' }, targets: { from: ['b1'], to: ['b2'] } }, ['b1-b2']],
      [{ kind: 'isolate', params: { mode: 'disable' }, targets: { node: 'b2' } }, ['b1-b2', 'b2-b1', 'b2-b3', 'b3-b2', 'client-b2']],
      [{ kind: 'majority-minority', params: { mode: 'disable' }, targets: { minority: ['b3'] } }, ['b1-b3', 'b2-b3', 'b3-b1', 'b3-b2']],
      [{ kind: 'partition', params: { mode: 'disable' }, targets: { groups: [['client'], ['b1']] } }, ['client-b1']],
    ];
    for (const [fault, expected] of shapes) {
      const applied = await applyFault(fault, context);
      expect(applied.links).toEqual(expected);
      expect(await disabledLinks()).toEqual(expected);
      await healFault(fault, context);
      expect(await disabledLinks()).toEqual([]);
    }
  });

  it('keeps a link cut while another partition still cuts it', async () => {
    await isolate(context, 'b1');
    await partitionOneWay(context, ['b1'], ['b2']);
    const isolateFault: Fault = { kind: 'isolate', params: { mode: 'disable' }, targets: { node: 'b1' } };
    const healed = await healFault(isolateFault, context);
    expect(healed.note).toBe('some links stay cut by another fault');
    expect(await disabledLinks()).toEqual(['b1-b2']);
  });

  it('blackholes a link with timeout toxics: data stops, and the heal closes the held connection', async () => {
    const fault: Fault = { kind: 'one-way', params: { mode: 'blackhole' }, targets: { from: ['b1'], to: ['b3'] } };
    const client = await EchoClient.connect(listens.get('b1-b3') ?? '');
    await applyFault(fault, context);
    expect((await backend.adapter.getProxy('b1-b3')).toxics.map((toxic) => toxic.name)).toEqual(['faultline-blackhole-upstream', 'faultline-blackhole-downstream']);
    await expect(client.roundTrip(8, 300)).rejects.toThrow(/timed out/);
    await healFault(fault, context);
    expect(await client.ended(waitMs)).toBe('end');
    const fresh = await EchoClient.connect(listens.get('b1-b3') ?? '');
    expect(await fresh.roundTrip(8, waitMs)).toBeLessThan(waitMs);
    fresh.close();
  });

  it('rejects shapes that make no sense', async () => {
    await expect(applyFault({ kind: 'majority-minority', params: { mode: 'disable' }, targets: { minority: ['b2', 'b3'] } }, context)).rejects.toThrow(/minority/);
    await expect(applyFault({ kind: 'partition', params: { mode: 'disable' }, targets: { groups: [['b1', 'b2'], ['b2']] } }, context)).rejects.toThrow(/overlap/);
    await expect(applyFault({ kind: 'latency', params: { latencyMs: 1, jitterMs: 0 }, targets: { links: ['b1-b9'] } }, context)).rejects.toThrow(/no link/);
  });
});

describe('toxic faults', () => {
  beforeAll(() => {
    context = nemesisContext({ proxy: backend.adapter, branches });
  });

  it('adds a toxic named after the fault on each stream asked for, and its heal removes it', async () => {
    const fault: Fault = { kind: 'latency', params: { latencyMs: 120, jitterMs: 0, stream: 'both' }, targets: { links: ['client-b1', 'b2-b3'] } };
    const name = faultToxicName(fault);
    const applied = await applyFault(fault, context);
    expect(applied.action).toBe('latency 120±0 ms on client-b1,b2-b3 (both)');
    expect(applied.toxics).toEqual([`b2-b3/${name}-downstream`, `b2-b3/${name}-upstream`, `client-b1/${name}-downstream`, `client-b1/${name}-upstream`]);
    const client = await EchoClient.connect(listens.get('client-b1') ?? '');
    expect(await client.roundTrip(8, waitMs)).toBeGreaterThanOrEqual(230);
    await healFault(fault, context);
    // Below the 240 ms the two toxics added, with room for a loaded machine.
    expect(await client.roundTrip(8, waitMs)).toBeLessThan(230);
    client.close();
    expect((await backend.adapter.listProxies()).flatMap((proxy) => proxy.toxics)).toEqual([]);
  });

  it("refuses a slicer that would crash Toxiproxy's server, and adds nothing", async () => {
    const wide: Fault = { kind: 'slicer', params: { averageSizeBytes: 7, sizeVariationBytes: 16, delayUs: 100, stream: 'upstream' }, targets: { links: ['b2-b1'] } };
    await expect(applyFault(wide, context)).rejects.toThrow(/size_variation \(16\) must be less than average_size \(7\)/);
    const empty: Fault = { kind: 'slicer', params: { averageSizeBytes: 0, sizeVariationBytes: 0, delayUs: 100, stream: 'upstream' }, targets: { links: ['b2-b1'] } };
    await expect(applyFault(empty, context)).rejects.toThrow(/average_size must be at least 1/);
    expect((await backend.adapter.listProxies()).flatMap((proxy) => proxy.toxics)).toEqual([]);
  });

  it('maps every toxic kind to the servers own type and attributes', async () => {
    const faults: Fault[] = [
      { kind: 'bandwidth', params: { rateKBps: 50 }, targets: { links: ['b1-b2'] } },
      { kind: 'slicer', params: { averageSizeBytes: 16, sizeVariationBytes: 4, delayUs: 100, stream: 'upstream' }, targets: { links: ['b1-b2'] } },
      { kind: 'reset-peer', params: { timeoutMs: 5, toxicity: 0.5 }, targets: { links: ['b1-b2'] } },
      { kind: 'timeout', params: { timeoutMs: 50 }, targets: { links: ['b1-b2'] } },
      { kind: 'limit-data', params: { bytes: 100 }, targets: { links: ['b1-b2'] } },
      { kind: 'slow-close', params: { delayMs: 20 }, targets: { links: ['b1-b2'] } },
    ];
    for (const fault of faults) await applyFault(fault, context);
    const toxics = (await backend.adapter.getProxy('b1-b2')).toxics.map(({ type, stream, toxicity, attributes }) => ({ type, stream, toxicity, attributes }));
    expect(toxics).toEqual([
      { type: 'slicer', stream: 'upstream', toxicity: 1, attributes: { average_size: 16, size_variation: 4, delay: 100 } },
      { type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 50 } },
      { type: 'reset_peer', stream: 'downstream', toxicity: 0.5, attributes: { timeout: 5 } },
      { type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 50 } },
      { type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 100 } },
      { type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 20 } },
    ]);
    expect(faults.map(describeFault)).toContain('reset_peer after 5 ms on b1-b2 (downstream, toxicity 0.5)');
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
    await applyFault({ kind: 'pause', params: {}, targets: { node: 'b2' } }, context);
    await expect(paused.roundTrip(8, 300)).rejects.toThrow(/timed out/);
    await applyFault({ kind: 'isolate', params: { mode: 'disable' }, targets: { node: 'b1' } }, context);
    const healed = await healAll(context);
    expect(healed.nodes).toEqual(['b2']);
    expect(await disabledLinks()).toEqual([]);
    await paused.until(() => paused.received >= 8, waitMs);
    paused.close();

    await applyFault({ kind: 'kill', params: {}, targets: { node: 'b2' } }, context);
    const refused = await EchoClient.connect(listen);
    expect(await refused.ended(waitMs)).toBe('end');
    await healAll(context);
    const restarted = await EchoClient.connect(listen);
    expect(await restarted.roundTrip(8, waitMs)).toBeLessThan(waitMs);
    restarted.close();
  });
});
