// The consistency a run's history reached, as one rung of a ladder: linearizable, sequential (one order
// that keeps each client's own order, real time aside), then the four
// session guarantees, then eventually consistent (the replicas converged after the heal), else none;
// with which session guarantees held and how stale the reads were. A report, not a verdict: the judge
// decides violations from what a strategy claims.
import type { Verdict } from './model.js';
import { checkSessionGuarantees, sessionGuarantees } from './session.js';
import type { SessionGuarantee } from './session.js';
import { measureStaleness } from './staleness.js';
import type { Staleness } from './staleness.js';
import type { History } from './history.js';

export const consistencyRungs = ['linearizable', 'sequential', 'session', 'eventual', 'none'] as const;
export type ConsistencyRung = (typeof consistencyRungs)[number];

export interface ConsistencyReport {
  rung: ConsistencyRung;
  /** The session guarantees the history kept, whatever its rung. */
  sessionHeld: SessionGuarantee[];
  /** How often each session guarantee was broken. */
  sessionBroken: Partial<Record<SessionGuarantee, number>>;
  staleness: Omit<Staleness, 'stale'> & { staleReads: number };
}

export interface RungEvidence {
  /** The linearizability verdict, when it was checked. */
  linearizable: Verdict | undefined;
  /** The sequential-consistency verdict, when it was checked (where linearizability failed). */
  sequential?: Verdict | undefined;
  /** The convergence verdict, when it was checked. */
  converged: Verdict | undefined;
}

/** The strongest rung the history reaches, from the verdicts already found and its session guarantees. */
export function consistencyOf(history: History, evidence: RungEvidence): ConsistencyReport {
  const session = checkSessionGuarantees(history);
  const staleness = measureStaleness(history);
  const sessionHeld = sessionGuarantees.filter((guarantee) => session.counts[guarantee] === 0);
  const sessionBroken = Object.fromEntries(sessionGuarantees.filter((guarantee) => session.counts[guarantee] > 0).map((guarantee) => [guarantee, session.counts[guarantee]]));
  let rung: ConsistencyRung = 'none';
  if (evidence.linearizable === 'ok') rung = 'linearizable';
  else if (evidence.sequential === 'ok') rung = 'sequential';
  else if (session.verdict === 'ok') rung = 'session';
  else if (evidence.converged === 'ok') rung = 'eventual';
  const { stale, ...figures } = staleness;
  return { rung, sessionHeld, sessionBroken, staleness: { ...figures, staleReads: stale.length } };
}

/** One line: `session (monotonic-reads broken 2); 3 stale reads of 40, p99 2 versions, 14.0 ms`. */
export function describeConsistency(report: ConsistencyReport): string {
  const broken = Object.entries(report.sessionBroken).map(([guarantee, count]) => `${guarantee} broken ${count}`);
  const rung = broken.length === 0 ? report.rung : `${report.rung} (${broken.join(', ')})`;
  const { staleness } = report;
  return `${rung}; ${staleness.staleReads} stale reads of ${staleness.reads}, p99 ${staleness.versionsBehind.p99} versions, ${staleness.msBehind.p99.toFixed(1)} ms`;
}
