// The FaultDriver of a proxied cluster: partitions disable the links' proxies (counted, so overlapping
// partitions heal correctly), toxics are named per fault and per plan (so the embedded proxy's seeded
// decisions repeat with the plan), kill and pause use the cluster's real signals.
import type { Cluster } from '../cluster/index.js';
import type { Fault } from '../gen/plan.js';
import type { LinkToxic } from '../gen/plan.js';
import type { ProxyBackend } from '../proxy/types.js';
import type { FaultDriver } from './faults.js';

type ProxyToxic = { type: string; attributes: Record<string, number> };

function toxicAttributes(toxic: LinkToxic): ProxyToxic {
  switch (toxic.kind) {
    case 'latency':
      return { type: 'latency', attributes: { latency: toxic.latencyMs, jitter: toxic.jitterMs } };
    case 'bandwidth':
      return { type: 'bandwidth', attributes: { rate: toxic.rateKBps } };
    case 'slicer':
      return { type: 'slicer', attributes: { average_size: toxic.averageSize, size_variation: toxic.sizeVariation, delay: toxic.delayUs } };
    case 'reset_peer':
      return { type: 'reset_peer', attributes: { timeout: toxic.timeoutMs } };
    case 'timeout':
      return { type: 'timeout', attributes: { timeout: toxic.timeoutMs } };
    case 'limit_data':
      return { type: 'limit_data', attributes: { bytes: toxic.bytes } };
    case 'slow_close':
      return { type: 'slow_close', attributes: { delay: toxic.delayMs } };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class NemesisFaultDriver implements FaultDriver {
  private readonly disabled = new Map<string, number>();
  private readonly killed = new Set<string>();
  private readonly paused = new Set<string>();
  private tag = 'run';

  constructor(
    private readonly cluster: Cluster,
    private readonly proxy: ProxyBackend,
  ) {}

  /** Names this run's toxics after the plan, so the same plan draws the same seeded decisions. */
  beginRun(tag: string): void {
    this.tag = tag;
  }

  private toxicName(index: number): string {
    return `fault${index}-${this.tag}`;
  }

  private async setEnabled(link: string, enabled: boolean): Promise<void> {
    const proxy = await this.proxy.client.get(link);
    await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
  }

  private async cut(links: string[], delta: 1 | -1): Promise<void> {
    for (const link of links) {
      const before = this.disabled.get(link) ?? 0;
      const after = Math.max(0, before + delta);
      this.disabled.set(link, after);
      if (before === 0 && after > 0) await this.setEnabled(link, false);
      if (before > 0 && after === 0) await this.setEnabled(link, true);
    }
  }

  async apply(index: number, fault: Fault): Promise<string | undefined> {
    try {
      switch (fault.kind) {
        case 'partition':
          await this.cut(fault.links, 1);
          return undefined;
        case 'toxic': {
          const { type, attributes } = toxicAttributes(fault.toxic);
          for (const link of fault.links) {
            const proxy = await this.proxy.client.get(link);
            await proxy.addToxic({ name: this.toxicName(index), type: type as never, stream: fault.stream, toxicity: 1, attributes: attributes as never });
          }
          return undefined;
        }
        case 'kill':
          if (this.killed.has(fault.node)) return `${fault.node} is already down`;
          this.killed.add(fault.node);
          await this.cluster.kill(fault.node);
          return undefined;
        case 'pause':
          if (this.killed.has(fault.node) || this.paused.has(fault.node)) return `${fault.node} is down or paused already`;
          this.paused.add(fault.node);
          await this.cluster.pause(fault.node);
          return undefined;
      }
    } catch (error) {
      return message(error);
    }
  }

  async heal(index: number, fault: Fault): Promise<string | undefined> {
    try {
      switch (fault.kind) {
        case 'partition':
          await this.cut(fault.links, -1);
          return undefined;
        case 'toxic':
          for (const link of fault.links) {
            const proxy = await this.proxy.client.get(link);
            const toxic = await proxy.getToxic(this.toxicName(index));
            await toxic.remove();
          }
          return undefined;
        case 'kill':
          if (!this.killed.delete(fault.node)) return undefined;
          this.paused.delete(fault.node);
          await this.cluster.restart(fault.node);
          return undefined;
        case 'pause':
          if (!this.paused.delete(fault.node)) return undefined;
          await this.cluster.resume(fault.node);
          return undefined;
      }
    } catch (error) {
      return message(error);
    }
  }

  async healAll(): Promise<void> {
    this.disabled.clear();
    await this.proxy.reset();
    for (const node of this.paused) if (!this.killed.has(node)) await this.cluster.resume(node);
    this.paused.clear();
    for (const node of this.killed) await this.cluster.restart(node);
    this.killed.clear();
  }
}
