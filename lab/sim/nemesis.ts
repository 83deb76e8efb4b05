// The plan's faults in the simulator, behind the same Nemesis the real driver implements: a
// partition cuts its directed links (disable or blackhole), a toxic acts on their bytes, kill and
// pause act on the simulated process. Every change is a line of the trace. Each action takes the lab
// nemesisActionMs of virtual time, as a call to the proxy's API or a signal takes the real lab several
// ms: two faults at one step are never one instant apart (a resumed branch may answer before the
// partition that follows its resume lands, as it does for real).
// Try it: `const nemesis = new SimNemesis(world); await nemesis.apply(0, fault)`.
import type { Nemesis } from '../nemesis/index.js';
import type { CutMethod, Fault } from '../plan/index.js';
import type { Link } from './network.js';
import type { SimWorld } from './world.js';

/** What one action of the real nemesis takes (an API call of the proxy, in parallel over its links, or a signal): successive actions at one step of CI's real runs were 3.2 ms apart at least, 5.1 at the 10th percentile, 8.2 at the median (load 2 to 4). */
export const nemesisActionMs = 5;

export class SimNemesis implements Nemesis {
  /** Per link, the partitions (by schedule index) that cut it now, and how. */
  private readonly cuts = new Map<string, Map<number, CutMethod>>();
  private readonly toxics = new Map<number, string[]>();
  private readonly downed = new Map<string, 'killed' | 'paused'>();

  constructor(private readonly world: SimWorld) {}

  async apply(index: number, fault: Fault): Promise<string | undefined> {
    await this.world.loop.sleep(nemesisActionMs);
    this.world.loop.trace.event(this.world.loop.now, `fault ${index} ${JSON.stringify(fault)}`);
    switch (fault.kind) {
      case 'partition':
        for (const name of fault.links) this.cut(name, index, fault.cut ?? 'disable');
        return undefined;
      case 'toxic':
        this.toxics.set(index, fault.links);
        for (const name of fault.links) this.world.network.addToxic(this.link(name), index, fault.toxic, fault.stream, fault.toxicity ?? 1);
        return undefined;
      case 'kill':
      case 'pause':
        if (this.downed.has(fault.node)) return `${fault.node} is ${this.downed.get(fault.node)} already`;
        this.downed.set(fault.node, fault.kind === 'kill' ? 'killed' : 'paused');
        if (fault.kind === 'kill') this.world.kill(fault.node);
        else this.world.pause(fault.node);
        return undefined;
    }
  }

  async heal(index: number, fault: Fault): Promise<string | undefined> {
    await this.world.loop.sleep(nemesisActionMs);
    this.world.loop.trace.event(this.world.loop.now, `heal ${index}`);
    switch (fault.kind) {
      case 'partition':
        for (const name of fault.links) this.uncut(name, index);
        return undefined;
      case 'toxic':
        for (const name of this.toxics.get(index) ?? []) this.world.network.removeToxic(this.link(name), index);
        this.toxics.delete(index);
        return undefined;
      case 'kill':
      case 'pause':
        this.bringBack(fault.node);
        return undefined;
    }
  }

  async healAll(): Promise<void> {
    await this.world.loop.sleep(nemesisActionMs);
    this.world.loop.trace.event(this.world.loop.now, 'heal all');
    for (const [name, cuts] of this.cuts) {
      cuts.clear();
      this.world.network.setCut(this.link(name), undefined);
    }
    for (const [index, links] of this.toxics) for (const name of links) this.world.network.removeToxic(this.link(name), index);
    this.toxics.clear();
    for (const node of [...this.downed.keys()]) this.bringBack(node);
  }

  async settle(): Promise<void> {
    await this.world.streamsUp();
  }

  private bringBack(node: string): void {
    const state = this.downed.get(node);
    this.downed.delete(node);
    if (state === 'killed') this.world.restart(node);
    if (state === 'paused') this.world.resume(node);
  }

  private cut(name: string, index: number, method: CutMethod): void {
    let cuts = this.cuts.get(name);
    if (cuts === undefined) {
      cuts = new Map();
      this.cuts.set(name, cuts);
    }
    cuts.set(index, method);
    this.setLinkCut(name, cuts);
  }

  private uncut(name: string, index: number): void {
    const cuts = this.cuts.get(name);
    if (cuts === undefined) return;
    cuts.delete(index);
    this.setLinkCut(name, cuts);
  }

  /** A link cut by several partitions is refused if any refuses it, else held. */
  private setLinkCut(name: string, cuts: Map<number, CutMethod>): void {
    const methods = new Set(cuts.values());
    const method = methods.has('disable') ? 'disable' : methods.has('blackhole') ? 'blackhole' : undefined;
    const link = this.link(name);
    if (link.cut !== method) this.world.network.setCut(link, method);
  }

  private link(name: string): Link {
    const [from = '', to = ''] = name.split('-');
    return this.world.network.link(from, to);
  }
}
