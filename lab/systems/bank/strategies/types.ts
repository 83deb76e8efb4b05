// The one interface every strategy implements, and what a strategy may use of its branch.
import type { NodeStats, RightsReply, RightsRequest } from '../../../../proto/index.js';
import type { Clock } from '../../index.js';
import type { BugName } from '../config.js';
import type { Operation, Reply } from '../decide.js';
import type { Replication } from '../propagation/replication.js';
import type { NodeRandom } from '../random.js';
import type { SerializationPoint } from '../sequencer.js';
import type { AccountRecord, Store } from '../store.js';

export interface OperationContext {
  /** Epoch milliseconds by which the customer wants the answer. */
  deadline: number;
  clientId: string;
  requestId: string;
  signal?: AbortSignal;
}

export interface Strategy {
  /** Deposit, withdraw or transfer; the reply as the customer RPC returns it. */
  execute(operation: Operation, context: OperationContext): Promise<Reply>;
  query(account: string, context: OperationContext): Promise<AccountRecord>;
  /** A peer asks for some of this branch's rights to spend an account (crdt:escrow only; others have none). */
  grantRights?(request: RightsRequest): RightsReply;
}

export interface StrategyDependencies {
  self: string;
  store: Store;
  replication: Replication;
  /** Where the operation on these accounts is serialized: the local sequencer or a remote one. */
  pointFor: (accounts: readonly string[]) => SerializationPoint;
  epoch: () => number;
  stats: NodeStats;
  /** Every random choice of the strategy comes from a named stream of it (Reset reseeds them). */
  random: NodeRandom;
  bug: BugName | undefined;
  /** Every wait and deadline of the strategy goes through it. */
  clock: Clock;
}
