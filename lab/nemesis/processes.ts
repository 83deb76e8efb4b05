// Process faults through the cluster's controls: kill -9 and restart, pause (SIGSTOP) and resume
// (SIGCONT); and healAll, which undoes every fault at once. Try: `await kill(context, 'b2')`, then `await healAll(context)`.
import type { BranchId } from '../plan/index.js';
import { record, requireBranch, requireProcesses } from './context.js';
import type { NemesisContext, NemesisRecord } from './context.js';

export async function kill(context: NemesisContext, node: BranchId): Promise<NemesisRecord> {
  await requireProcesses(context).kill(requireBranch(context, node));
  context.downed.set(node, 'killed');
  return record(`kill -9 ${node}`, { nodes: [node] });
}

export async function restart(context: NemesisContext, node: BranchId): Promise<NemesisRecord> {
  await requireProcesses(context).restart(requireBranch(context, node));
  context.downed.delete(node);
  return record(`restart ${node}`, { nodes: [node] });
}

export async function pause(context: NemesisContext, node: BranchId): Promise<NemesisRecord> {
  await requireProcesses(context).pause(requireBranch(context, node));
  context.downed.set(node, 'paused');
  return record(`pause ${node}`, { nodes: [node] });
}

export async function resume(context: NemesisContext, node: BranchId): Promise<NemesisRecord> {
  await requireProcesses(context).resume(requireBranch(context, node));
  context.downed.delete(node);
  return record(`resume ${node}`, { nodes: [node] });
}

/**
 * Every proxy enabled and every toxic gone (POST /reset), then every node this nemesis paused
 * resumed and every node it killed restarted. The network comes first, so restarted nodes find their peers.
 */
export async function healAll(context: NemesisContext): Promise<NemesisRecord> {
  await context.proxy.reset();
  context.cutCounts.clear();
  const nodes = [...context.downed.keys()].sort();
  if (nodes.length > 0) {
    const processes = requireProcesses(context);
    await Promise.all(nodes.map((node) => (context.downed.get(node) === 'paused' ? processes.resume(node) : processes.restart(node))));
  }
  context.downed.clear();
  return record('heal all', { links: context.links.map(context.proxyName).sort(), nodes });
}
