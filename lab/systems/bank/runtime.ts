// What a branch node reaches the world through besides its store: the clock and the transport. The
// real mode's process entry (node.ts) passes grpc-js and the process's timers; the simulator (lab/sim)
// passes its own. Nothing here picks one: a Branch is always handed its runtime.
// Try it: `new Branch(config, store, log, { clock, transport: grpcTransport })`.
import { credentials } from '@grpc/grpc-js';
import type { ChannelOptions } from '@grpc/grpc-js';
import { BranchClient } from '../../../proto/index.js';
import type { Clock } from '../index.js';

/**
 * The part of a Branch client the node itself calls: the lease calls, the Point and Propagate
 * streams, and escrow's RequestRights. grpc-js's generated client is one; the simulator's delivers decoded messages instead.
 */
export type BranchStub = Pick<BranchClient, 'acquire' | 'commit' | 'release' | 'point' | 'propagate' | 'requestRights' | 'close'>;

export interface Transport {
  /** A client of the Branch service at `address` (a peer's own, or in the lab its link's proxy). */
  branchClient(address: string, options: ChannelOptions): BranchStub;
}

export interface NodeRuntime {
  clock: Clock;
  transport: Transport;
}

export const grpcTransport: Transport = {
  branchClient: (address, options) => new BranchClient(address, credentials.createInsecure(), options),
};
