// The Nemesis of a proxied cluster, over the nemesis primitives: partitions cut the links' proxies
// (counted, so overlapping partitions heal correctly), toxics are named per fault and per plan (so the
// embedded proxy's seeded decisions repeat with the plan), kill and pause use the cluster's signals.
import { assert } from '../../models/index.js';
import type { BranchId, Fault, LinkToxic } from '../plan/index.js';
import type { ToxiproxyAdapter } from '../proxy/index.js';
import { linksNamed, nemesisContext } from './context.js';
import type { NemesisContext, ProcessControls } from './context.js';
import type { Nemesis } from './nemesis.js';
import { cutLinks, restoreLinks } from './partitions.js';
import { healAll, kill, pause, restart, resume } from './processes.js';
import { addLinkToxic, removeLinkToxic } from './toxics.js';
import type { LinkToxic as ProxyToxic } from './toxics.js';

/** What the nemesis acts on: a cluster's branches, its process controls, and its streams' readiness. */
export interface NemesisTarget extends ProcessControls {
  readonly branches: readonly BranchId[];
  /** True once every running branch's propagation streams are up again (bounded wait). */
  streamsUp(): Promise<boolean>;
}

/** A plan's toxic in the servers' own type, attribute names and units. */
export function proxyToxic(toxic: LinkToxic): ProxyToxic {
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

export class NemesisFaultDriver implements Nemesis {
  readonly context: NemesisContext;
  private tag = 'run';
  /** Faults of this run healed so far, by schedule index: each heals once. */
  private readonly healed = new Set<number>();

  constructor(private readonly target: NemesisTarget, proxy: ToxiproxyAdapter) {
    this.context = nemesisContext({ proxy, branches: target.branches, processes: target });
  }

  /** Names this run's toxics after the plan, so the same plan draws the same seeded decisions. */
  beginRun(tag: string): void {
    this.tag = tag;
    this.healed.clear();
  }

  private toxicName(index: number): string {
    return `fault${index}-${this.tag}`;
  }

  private async act(index: number, fault: Fault): Promise<string | undefined> {
    const { context } = this;
    switch (fault.kind) {
      case 'partition':
        await cutLinks(context, linksNamed(context, fault.links), fault.cut ?? 'disable', `partition ${fault.mode}`);
        return undefined;
      case 'toxic': {
        const options = { stream: fault.stream, name: this.toxicName(index), ...(fault.toxicity === undefined ? {} : { toxicity: fault.toxicity }) };
        await addLinkToxic(context, fault.links, proxyToxic(fault.toxic), options);
        return undefined;
      }
      case 'kill':
      case 'pause':
        if (context.downed.has(fault.node)) return `${fault.node} is ${context.downed.get(fault.node)} already`;
        await (fault.kind === 'kill' ? kill(context, fault.node) : pause(context, fault.node));
        return undefined;
    }
  }

  private async undo(index: number, fault: Fault): Promise<void> {
    const { context } = this;
    switch (fault.kind) {
      case 'partition':
        await restoreLinks(context, linksNamed(context, fault.links), fault.cut ?? 'disable', `heal partition ${fault.mode}`);
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
    assert(!this.healed.has(index), `fault ${index} of the schedule healed twice`);
    this.healed.add(index);
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
    await this.target.streamsUp();
  }
}
