// Escrow's bookkeeping for crdt:escrow: what a branch may spend of an account (its rights), and how
// rights move between branches. Every grant is a row per giver and receiver whose total only grows,
// written by the giver alone and propagated like the P/N totals; the receiver also keeps, in a row
// of its own that never leaves it, the largest total a giver's reply told it. A branch's rights are
//   share + its deposits - its withdrawals + what it was granted - what it granted,
// with "what it was granted" the larger of the two rows per giver. The giver's row is durable before
// its reply leaves, so a lost reply only delays the rights (propagation brings them), and a repeated
// or reordered reply or update cannot count a grant twice: both rows are totals, merged by maximum.
// The sum of every branch's rights is the balance, and no branch counts more than it truly holds. A
// branch grants none of its deposits before every peer acked them, so no replica hears a withdrawal
// before the deposit that funds it, and no replica ever folds a balance below zero.
// Try it: see escrow.test.ts.
import { Metadata, status } from '@grpc/grpc-js';
import type { CallOptions } from '@grpc/grpc-js';
import { metadataKeys } from '../../../../proto/index.js';
import type { RightsReply, RightsRequest } from '../../../../proto/index.js';
import type { Clock } from '../../index.js';
import { deadlineMarginMs } from '../deadline.js';
import { statusError } from '../errors.js';
import type { BranchStub } from '../runtime.js';
import type { AccountRecord, Store, Update } from '../store.js';

const grantsInfix = '.crdt.g.';
const heardInfix = '.crdt.r.';

/** No single request for rights waits longer than this: a cut-off peer costs at most this much of the customer's deadline. */
export const rightsAskMsMax = 150;
/** A request for rights with less time than this left is not sent: the peer counts as unreached. */
export const rightsAskMsMin = 5;

/** The row that holds the total `giver` has granted `receiver` of `account`: the giver writes it, propagation carries it. */
export function grantName(account: string, giver: string, receiver: string): string {
  return `${account}${grantsInfix}${giver}.${receiver}`;
}

/** The receiver's own row: the largest total of `giver`'s grants that a reply told it. Never propagated. */
export function heardName(account: string, giver: string, receiver: string): string {
  return `${account}${heardInfix}${giver}.${receiver}`;
}

/** Rows of rights bookkeeping: internal, never a customer's request (Snapshot leaves their applied keys out). */
export function isRightsName(name: string): boolean {
  return name.includes(grantsInfix) || name.includes(heardInfix);
}

/** The rights rows of one account, every one at 0: every ordered pair of branches, both rows. */
export function rightsRows(account: string, branches: readonly string[]): AccountRecord[] {
  return branches.flatMap((giver) => branches.filter((receiver) => receiver !== giver)
    .flatMap((receiver) => [grantName(account, giver, receiver), heardName(account, giver, receiver)])
    .map((name) => ({ account: name, balance: 0, version: 0 })));
}

/** Names of the P/N totals, which crdt.ts owns; passed in so this module holds only rights. */
export interface TotalNames {
  total(account: string, side: 'p' | 'n', branch: string): string;
}

function amountOf(store: Store, name: string): number {
  return store.account(name)?.balance ?? 0;
}

/** `self`'s share of the initial balance: an even split, the first branch by name holding the cents left over. */
export function shareOf(initial: number, self: string, branches: readonly string[]): number {
  const position = [...branches].sort().indexOf(self);
  return Math.floor(initial / branches.length) + (position === 0 ? initial % branches.length : 0);
}

/** What `self` may still withdraw from `account`, as far as it knows: never more than it truly holds. */
export function escrowRights(store: Store, names: TotalNames, account: string, self: string, branches: readonly string[]): number {
  let rights = shareOf(store.account(account)?.balance ?? 0, self, branches);
  rights += amountOf(store, names.total(account, 'p', self)) - amountOf(store, names.total(account, 'n', self));
  for (const peer of branches) {
    if (peer === self) continue;
    rights += Math.max(amountOf(store, grantName(account, peer, self)), amountOf(store, heardName(account, peer, self)));
    rights -= amountOf(store, grantName(account, self, peer));
  }
  return rights;
}

/**
 * This branch's deposits to `account` that some peer has not acked yet. They are this branch's to
 * spend (its withdrawals reach every replica after them, on the same stream) but not to grant: a
 * replica that heard the receiver's withdrawal before the deposit would fold a balance below zero.
 * Once every peer acked a deposit, every replica holds it before any withdrawal it funds.
 */
export function unackedDeposits(store: Store, names: TotalNames, account: string, self: string, branches: readonly string[]): number {
  const peers = branches.filter((branch) => branch !== self);
  if (peers.length === 0) return 0;
  const acked = Math.min(...peers.map((peer) => store.cursor(peer)));
  const deposits = names.total(account, 'p', self);
  let unacked = 0;
  for (const entry of store.loggedAfter(acked)) {
    for (const update of entry.updates) if (update.account === deposits) unacked += update.delta;
  }
  return unacked;
}

/** The key under which a giver remembers its answer to one request, apart from the customers' request ids. */
function grantKey(request: RightsRequest): string {
  return `rights/${request.requester}/${request.requestId}`;
}

/**
 * The giver's side, in one transaction: grants `requester` what it can spare of what it asks (its
 * unused rights at most, less its deposits some peer has not acked), adds it to its grant row, and
 * remembers the answer under the request's key, so a repeated request gets the same answer and moves
 * nothing. Returns the answer, and whether a new total was logged for the peers.
 */
export function grantRights(
  store: Store, names: TotalNames, self: string, branches: readonly string[], request: RightsRequest,
): { reply: RightsReply; logged: boolean } {
  const previous = store.reply(grantKey(request));
  if (previous !== undefined) return { reply: JSON.parse(previous) as RightsReply, logged: false };
  const spare = Math.max(0, escrowRights(store, names, request.account, self, branches) - unackedDeposits(store, names, request.account, self, branches));
  const granted = Math.min(spare, request.amount);
  const name = grantName(request.account, self, request.requester);
  const row = store.account(name) ?? { account: name, balance: 0, version: 0 };
  const reply = { granted, total: row.balance + granted };
  const updates: Update[] = granted > 0 ? [{ account: name, balance: reply.total, version: row.version + 1, delta: granted }] : [];
  return { reply, logged: store.commit(self, grantKey(request), updates, JSON.stringify(reply)) > 0 };
}

/** The receiver's side: keeps the largest total `giver` said it granted `self`; an older or repeated reply changes nothing. */
export function hearGrant(store: Store, account: string, giver: string, self: string, reply: RightsReply, requestId: string): void {
  const name = heardName(account, giver, self);
  const heard = store.account(name);
  if (heard === undefined || reply.total <= heard.balance) return;
  store.applyLocal(requestId, [{ account: name, balance: reply.total, version: heard.version + 1, delta: reply.total - heard.balance }]);
}

/** The peers to ask, in a fixed order: the branches after `self` by name, wrapping, so that not every branch asks the same one first. */
export function askOrder(self: string, branches: readonly string[]): string[] {
  const sorted = [...branches].sort();
  const position = sorted.indexOf(self);
  return [...sorted.slice(position + 1), ...sorted.slice(0, position)];
}

/** One RequestRights call to a peer, with its deadline and the caller's id; rejects on any error. */
export function askForRights(client: BranchStub, request: RightsRequest, deadline: number): Promise<RightsReply> {
  const metadata = new Metadata();
  metadata.set(metadataKeys.clientId, request.requester);
  metadata.set(metadataKeys.epoch, String(request.epoch));
  const options: Partial<CallOptions> = { deadline };
  return new Promise((resolve, reject) => {
    client.requestRights(request, metadata, options, (error, reply) => (error === null ? resolve(reply) : reject(error)));
  });
}

export interface Gathering {
  store: Store;
  names: TotalNames;
  self: string;
  branches: readonly string[];
  clock: Clock;
  ask: (peer: string, request: RightsRequest, deadline: number) => Promise<RightsReply>;
}

/**
 * Asks the peers, one at a time in `askOrder`, for the rights `self` lacks to spend `amount`, until it
 * holds enough or has asked every one. Each ask gets a share of what is left of `deadline`, at most
 * rightsAskMsMax. Returns the peers that could not be reached (or not in time).
 */
export async function gatherRights(gathering: Gathering, account: string, amount: number, requestId: string, deadline: number): Promise<string[]> {
  const { store, names, self, branches, clock } = gathering;
  const epoch = store.epoch();
  const peers = askOrder(self, branches);
  const unreached: string[] = [];
  for (const [index, peer] of peers.entries()) {
    const short = amount - escrowRights(store, names, account, self, branches);
    if (short <= 0) break;
    const leftMs = deadline - deadlineMarginMs - clock.now();
    const budgetMs = Math.min(rightsAskMsMax, Math.floor(leftMs / (peers.length - index)));
    if (budgetMs < rightsAskMsMin) {
      unreached.push(peer);
      continue;
    }
    const request = { requester: self, requestId: `${requestId}/${peer}`, account, amount: short, epoch };
    try {
      const reply = await gathering.ask(peer, request, clock.now() + budgetMs);
      if (store.epoch() !== epoch) throw statusError(status.ABORTED, 'the branch was reset while it asked for rights');
      hearGrant(store, account, peer, self, reply, request.requestId);
    } catch (error) {
      if (store.epoch() !== epoch) throw error;
      unreached.push(peer);
    }
  }
  return unreached;
}
