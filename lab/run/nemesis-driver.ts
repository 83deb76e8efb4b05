// The FaultDriver of a proxied cluster, over the nemesis primitives: partitions cut the links' proxies
// (counted, so overlapping partitions heal correctly), toxics are named per fault and per plan (so the
// embedded proxy's seeded decisions repeat with the plan), kill and pause use the cluster's signals.
import type { Cluster } from '../cluster/index.js';
import type { Fault, LinkToxic } from '../gen/plan.js';
import { addLinkToxic, cutLinks, healAll, kill, nemesisContext, pause, removeLinkToxic, restart, restoreLinks, resume } from '../nemesis/index.js';
import type { LinkToxic as NemesisToxic, NemesisContext } from '../nemesis/index.js';
import { linksNamed } from '../nemesis/context.js';
import type { ProxyBackend } from '../proxy/types.js';
import type { FaultDriver } from './faults.js';

function nemesisToxic(toxic: LinkToxic): NemesisToxic {
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
  private readonly context: NemesisContext;
  private tag = 'run';

  constructor(private readonly cluster: Cluster, proxy: ProxyBackend) {
    this.context = nemesisContext({ proxy: proxy.adapter, branches: cluster.branches, processes: cluster });
  }

  /** Names this run's toxics after the plan, so the same plan draws the same seeded decisions. */
  beginRun(tag: string): void {
    this.tag = tag;
  }

  private toxicName(index: number): string {
    return `fault${index}-${this.tag}`;
  }

  private async act(index: number, fault: Fault): Promise<string | undefined> {
    const { context } = this;
    switch (fault.kind) {
      case 'partition':
        await cutLinks(context, linksNamed(context, fault.links), 'disable', `partition ${fault.mode}`);
        return undefined;
      case 'toxic':
        await addLinkToxic(context, fault.links, nemesisToxic(fault.toxic), { stream: fault.stream, name: this.toxicName(index) });
        return undefined;
      case 'kill':
        if (context.downed.has(fault.node)) return `${fault.node} is ${context.downed.get(fault.node)} already`;
        await kill(context, fault.node);
        return undefined;
      case 'pause':
        if (context.downed.has(fault.node)) return `${fault.node} is ${context.downed.get(fault.node)} already`;
        await pause(context, fault.node);
        return undefined;
    }
  }

  private async undo(index: number, fault: Fault): Promise<void> {
    const { context } = this;
    switch (fault.kind) {
      case 'partition':
        await restoreLinks(context, linksNamed(context, fault.links), 'disable', `heal partition ${fault.mode}`);
        return;
      case 'toxic':
        await removeLinkToxic(context, fault.links, this.toxicName(index), fault.stream);
        return;
      case 'kill':
        if (context.downed.get(fault.node) === 'killed') await restart(context, fault.node);
        return;
      case 'pause':
        if (context.downed.get(fault.node) === 'paused') await resume(context, fault.node);
        return;
    }
  }

  async apply(index: number, fault: Fault): Promise<string | undefined> {
    try {
      return await this.act(index, fault);
    } catch (error) {
      return message(error);
    }
  }

  async heal(index: number, fault: Fault): Promise<string | undefined> {
    try {
      await this.undo(index, fault);
      return undefined;
    } catch (error) {
      return message(error);
    }
  }

  async healAll(): Promise<void> {
    await healAll(this.context);
  }

  async settle(): Promise<void> {
    await this.cluster.streamsUp();
  }
}
