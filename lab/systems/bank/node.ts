// Starts and stops one branch node in this process: binds its server on 127.0.0.1, opens its store,
// adds its services, reports SERVING and starts propagation. `faultline node` is a thin shell around it.
// Try it: `const node = await startNode(config, console.error); ...; await node.stop()`.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { Branch } from './branch.js';
import type { NodeConfig, Peer } from './config.js';
import { serverOptions } from '../../../proto/index.js';
import { describeCall } from './recent-calls.js';
import { realClock } from '../../cluster/index.js';
import { grpcTransport } from './runtime.js';
import type { NodeRuntime } from './runtime.js';
import { branchServiceName, createBranchServer } from './server.js';
import type { BranchServerParts } from './server.js';
import { Store } from './store.js';

/** In-flight calls get this long to finish at shutdown before they are cut. */
export const shutdownGraceMs = 250;
/**
 * SERVING waits until the streams to every peer are up, so the first updates are not sent into
 * the void; but no longer than this, because a peer may be down or cut off on purpose.
 */
export const readyWaitMsMax = 2_000;

/** The one place a real branch's clock and transport are chosen: the process's timers and grpc-js. */
export const realRuntime: NodeRuntime = { clock: realClock, transport: grpcTransport };

export class AddressInUseError extends Error {
  readonly code = 'address-in-use';
}

export interface RunningNode {
  id: string;
  address: string;
  port: number;
  branch: Branch;
  /** Dumps the recent-call ring to the log: what the node was doing. */
  describeRecentCalls(): void;
  /** Stops serving, closes the streams and the database. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * What happens between the bind and the start: told the bound address (port 0 binds any free port),
 * it may return the peers to start with instead of config.peers, which a cluster can only know once
 * every node's port is known. Until it resolves, the server answers every call UNIMPLEMENTED.
 */
export type OnBound = (address: string) => Promise<Peer[] | undefined>;

export async function startNode(config: NodeConfig, log: (line: string) => void, onBound: OnBound = async () => undefined): Promise<RunningNode> {
  const server = new Server(serverOptions);
  let port: number;
  let opened: OpenedBranch;
  try {
    port = await bind(server, config.host, config.port);
    const peers = (await onBound(`${config.host}:${port}`)) ?? config.peers;
    opened = await openBranch({ ...config, peers }, log, server);
  } catch (error) {
    server.forceShutdown();
    throw error;
  }
  const { store, branch, health, recentCalls } = opened;
  branch.start();
  let stopped = false;
  void branch.whenConnected(readyWaitMsMax).then((connected) => {
    if (stopped) return;
    if (!connected) log(`serving before every peer stream is up (waited ${readyWaitMsMax} ms)`);
    health.setStatus('', 'SERVING');
    health.setStatus(branchServiceName, 'SERVING');
  });

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    stopped = true;
    health.setStatus('', 'NOT_SERVING');
    health.setStatus(branchServiceName, 'NOT_SERVING');
    branch.stop();
    await shutdown(server);
    store.close();
  }
  return {
    id: config.id,
    address: `${config.host}:${port}`,
    port,
    branch,
    describeRecentCalls: () => {
      for (const record of recentCalls.list()) log(describeCall(record));
    },
    stop: () => (stopping ??= stop()),
  };
}

interface OpenedBranch extends BranchServerParts {
  store: Store;
  branch: Branch;
}

/** The store, the branch over it and its services on `server`; the store is closed again on failure. */
async function openBranch(config: NodeConfig, log: (line: string) => void, server: Server): Promise<OpenedBranch> {
  const store = Store.open(config.dataDir, config.accounts, realRuntime.clock, config.synchronous);
  try {
    const branch = new Branch(config, store, log, realRuntime);
    return { store, branch, ...(await createBranchServer(branch, log, server)) };
  } catch (error) {
    store.close();
    throw error;
  }
}

function bind(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) return resolve(bound);
      if (/EADDRINUSE|address already in use/i.test(error.message)) {
        return reject(new AddressInUseError(`address ${host}:${port} is in use`));
      }
      return reject(error);
    });
  });
}

function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const { clock } = realRuntime;
    const force = clock.after(() => {
      server.forceShutdown();
      resolve();
    }, shutdownGraceMs);
    server.tryShutdown(() => {
      clock.cancel(force);
      resolve();
    });
  });
}
