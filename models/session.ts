// Session guarantees of a bank history (Terry et al. 1994), per session (a process: a client that got
// `info` continues as a new one): read-your-writes, monotonic reads, monotonic writes and
// writes-follow-reads. Each account's versions order its states totally, so every guarantee is a
// comparison of versions; a violation names the two ops that show it. Needs ok values with versions
// (`version`, or `fromVersion`/`toVersion` for a transfer), as faultline's client records them.
import { pairCalls } from './calls.js';
import type { Call } from './calls.js';
import type { History } from './history.js';
import type { Verdict } from './model.js';

export const sessionGuarantees = ['read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] as const;
export type SessionGuarantee = (typeof sessionGuarantees)[number];

export interface SessionViolation {
  guarantee: SessionGuarantee;
  process: number;
  account: string;
  /** History indices of the earlier op and of the op that broke the guarantee. */
  earlier: number;
  later: number;
  text: string;
}

export interface SessionResult {
  verdict: Verdict;
  /** Per guarantee: how many times it was broken (0: held). */
  counts: Record<SessionGuarantee, number>;
  violations: SessionViolation[];
  /** ok ops that carried no version: nothing could be said of them. */
  unversioned: number;
}

/** What one ok op saw or made, per account: `read` for a query, `write` for an applied mutation. */
interface Touch {
  account: string;
  version: number;
  kind: 'read' | 'write';
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function version(value: unknown, name: string): number | undefined {
  const found = field(value, name);
  return typeof found === 'number' && Number.isInteger(found) ? found : undefined;
}

/** The accounts an ok op touched and the version each was at; undefined when it carried no version. */
export function touches(call: Call): Touch[] | undefined {
  const value = call.value;
  if (call.f === 'query' || call.f === 'deposit' || call.f === 'withdraw') {
    const account = field(call.invoke, 'account');
    const at = version(value, 'version');
    if (typeof account !== 'string' || at === undefined) return undefined;
    const applied = call.f !== 'withdraw' || field(value, 'applied') !== false;
    return [{ account, version: at, kind: call.f === 'query' || !applied ? 'read' : 'write' }];
  }
  if (call.f === 'transfer') {
    const from = field(call.invoke, 'from');
    const to = field(call.invoke, 'to');
    const fromVersion = version(value, 'fromVersion');
    const toVersion = version(value, 'toVersion');
    if (typeof from !== 'string' || typeof to !== 'string' || fromVersion === undefined || toVersion === undefined) return undefined;
    const kind = field(value, 'applied') === false ? 'read' : 'write';
    return [{ account: from, version: fromVersion, kind }, { account: to, version: toVersion, kind }];
  }
  return undefined;
}

interface SessionState {
  /** Per account: the newest version this session wrote, and the op that wrote it. */
  wrote: Map<string, { version: number; index: number }>;
  /** Per account: the newest version this session read, and the op that read it. */
  read: Map<string, { version: number; index: number }>;
}

function checkTouch(touch: Touch, call: Call, session: SessionState, found: SessionViolation[]): void {
  const { account, version: at } = touch;
  const report = (guarantee: SessionGuarantee, earlier: { version: number; index: number }, text: string): void => {
    found.push({ guarantee, process: call.process, account, earlier: earlier.index, later: call.index, text });
  };
  const wrote = session.wrote.get(account);
  const read = session.read.get(account);
  if (touch.kind === 'read') {
    if (wrote !== undefined && at < wrote.version) report('read-your-writes', wrote, `op ${call.index} read ${account} at version ${at}, behind the version ${wrote.version} this session wrote in op ${wrote.index}`);
    if (read !== undefined && at < read.version) report('monotonic-reads', read, `op ${call.index} read ${account} at version ${at} after op ${read.index} read version ${read.version}`);
    if (read === undefined || at > read.version) session.read.set(account, { version: at, index: call.index });
    return;
  }
  if (wrote !== undefined && at <= wrote.version) report('monotonic-writes', wrote, `op ${call.index} wrote ${account} at version ${at}, not after op ${wrote.index}'s version ${wrote.version}`);
  if (read !== undefined && at <= read.version) report('writes-follow-reads', read, `op ${call.index} wrote ${account} at version ${at}, not after the version ${read.version} op ${read.index} read`);
  if (wrote === undefined || at > wrote.version) session.wrote.set(account, { version: at, index: call.index });
}

/** Checks the four session guarantees of every session; ops that are not ok say nothing. */
export function checkSessionGuarantees(history: History): SessionResult {
  const sessions = new Map<number, SessionState>();
  const violations: SessionViolation[] = [];
  let unversioned = 0;
  for (const call of pairCalls(history)) {
    if (call.completion !== 'ok') continue;
    const touched = touches(call);
    if (touched === undefined) {
      unversioned += 1;
      continue;
    }
    let session = sessions.get(call.process);
    if (session === undefined) {
      session = { wrote: new Map(), read: new Map() };
      sessions.set(call.process, session);
    }
    for (const touch of touched) checkTouch(touch, call, session, violations);
  }
  const counts = Object.fromEntries(sessionGuarantees.map((guarantee) => [guarantee, violations.filter((item) => item.guarantee === guarantee).length])) as Record<SessionGuarantee, number>;
  return { verdict: violations.length > 0 ? 'illegal' : 'ok', counts, violations, unversioned };
}
