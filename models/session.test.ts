// The session guarantees, the staleness of reads, the counter bounds and the consistency rung: each
// against hand-written *-ok / *-bad fixtures (models/fixtures/session), and the session checker
// against a brute-force reading of the definitions on small random histories.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCounter } from './counter.js';
import { consistencyOf } from './consistency.js';
import { parseHistory } from './formats.js';
import type { History, HistoryEvent } from './history.js';
import { checkSessionGuarantees, sessionGuarantees } from './session.js';
import type { SessionGuarantee } from './session.js';
import { measureStaleness } from './staleness.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'session');

function fixture(name: string): History {
  return parseHistory(readFileSync(join(fixtures, name), 'utf8'), 'jsonl');
}

describe('session guarantees on the fixtures', () => {
  it('hold on session-ok', () => {
    expect(checkSessionGuarantees(fixture('session-ok.jsonl'))).toMatchObject({ verdict: 'ok', violations: [], unversioned: 0 });
  });

  for (const name of readdirSync(fixtures).filter((file) => file.endsWith('-bad.jsonl'))) {
    const guarantee = name.slice('session-'.length, -'-bad.jsonl'.length) as SessionGuarantee;
    it(`${name} breaks ${guarantee} and nothing else, naming both ops`, () => {
      const result = checkSessionGuarantees(fixture(name));
      expect(result.verdict).toBe('illegal');
      expect(result.violations.map((violation) => violation.guarantee)).toEqual([guarantee]);
      expect(result.violations[0]?.later).toBeGreaterThan(result.violations[0]?.earlier ?? Infinity);
    });
  }
});

interface SmallOp {
  process: number;
  kind: 'read' | 'write';
  version: number;
}

/** The definitions read literally: some earlier op of the session and a later one break the guarantee. */
function bruteForce(ops: readonly SmallOp[]): Set<SessionGuarantee> {
  const broken = new Set<SessionGuarantee>();
  for (const [i, first] of ops.entries()) {
    for (const second of ops.slice(i + 1)) {
      if (first.process !== second.process) continue;
      if (first.kind === 'write' && second.kind === 'read' && second.version < first.version) broken.add('read-your-writes');
      if (first.kind === 'read' && second.kind === 'read' && second.version < first.version) broken.add('monotonic-reads');
      if (first.kind === 'write' && second.kind === 'write' && second.version <= first.version) broken.add('monotonic-writes');
      if (first.kind === 'read' && second.kind === 'write' && second.version <= first.version) broken.add('writes-follow-reads');
    }
  }
  return broken;
}

function historyOf(ops: readonly SmallOp[]): History {
  const events: HistoryEvent[] = [];
  for (const op of ops) {
    const f = op.kind === 'read' ? 'query' : 'deposit';
    const input = op.kind === 'read' ? { account: 'a1' } : { account: 'a1', amount: 1, requestId: `r${events.length}` };
    events.push({ index: events.length, process: op.process, type: 'invoke', f, value: input, time: events.length });
    events.push({ index: events.length, process: op.process, type: 'ok', f, value: { ...input, balance: 0, version: op.version }, time: events.length });
  }
  return events;
}

describe('session guarantees against brute force', () => {
  it('agree on which guarantees break, on small histories', () => {
    const op = fc.record({ process: fc.nat({ max: 2 }), kind: fc.constantFrom('read' as const, 'write' as const), version: fc.nat({ max: 4 }) });
    fc.assert(fc.property(fc.array(op, { maxLength: 8 }), (ops) => {
      const result = checkSessionGuarantees(historyOf(ops));
      const found = new Set(sessionGuarantees.filter((guarantee) => result.counts[guarantee] > 0));
      expect(found).toEqual(bruteForce(ops));
    }), { seed: 14, numRuns: 2_000 });
  });
});

describe('staleness and counter bounds', () => {
  it('measures a read that missed an acknowledged write, in versions and milliseconds', () => {
    const history: History = [
      { index: 0, process: 0, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r0' }, time: 0 },
      { index: 1, process: 0, type: 'ok', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r0', balance: 5, version: 1 }, time: 1_000_000 },
      { index: 2, process: 1, type: 'invoke', f: 'query', value: { account: 'a1' }, time: 21_000_000 },
      { index: 3, process: 1, type: 'ok', f: 'query', value: { account: 'a1', balance: 0, version: 0 }, time: 22_000_000 },
    ];
    const staleness = measureStaleness(history);
    expect(staleness.stale).toEqual([{ index: 2, account: 'a1', versionsBehind: 1, msBehind: 20 }]);
    expect(staleness.versionsBehind.max).toBe(1);
    expect(measureStaleness(fixture('session-ok.jsonl')).stale).toEqual([]);
    expect(checkCounter(history, new Map([['a1', 0]])).verdict).toBe('illegal');
    expect(checkCounter(fixture('session-ok.jsonl'), new Map([['a1', 100]])).verdict).toBe('ok');
  });

  it('counts a read invoked at the instant the write returned, as a simulated client makes it, by the history\'s order', () => {
    const write: History = [
      { index: 0, process: 0, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r0' }, time: 1_000_000 },
      { index: 1, process: 0, type: 'ok', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r0', balance: 5, version: 1 }, time: 3_000_000 },
    ];
    const readAt = (position: 'after' | 'during'): History => {
      const invoke: HistoryEvent = { index: 2, process: 0, type: 'invoke', f: 'query', value: { account: 'a1' }, time: 3_000_000 };
      const ok: HistoryEvent = { index: 3, process: 0, type: 'ok', f: 'query', value: { account: 'a1', balance: 0, version: 0 }, time: 4_000_000 };
      // The same instant both ways; only the order of the events says which came first.
      return position === 'after' ? [...write, invoke, ok] : [write[0] as HistoryEvent, { ...invoke, index: 1, process: 1 }, { ...(write[1] as HistoryEvent), index: 2 }, { ...ok, process: 1 }];
    };
    expect(measureStaleness(readAt('after')).stale).toEqual([{ index: 2, account: 'a1', versionsBehind: 1, msBehind: 0 }]);
    expect(measureStaleness(readAt('during')).stale).toEqual([]);
  });

  it('puts a history on the rung it reaches', () => {
    expect(consistencyOf(fixture('session-ok.jsonl'), { linearizable: 'ok', converged: 'ok' }).rung).toBe('linearizable');
    expect(consistencyOf(fixture('session-ok.jsonl'), { linearizable: 'illegal', converged: 'ok' }).rung).toBe('session');
    const broken = consistencyOf(fixture('session-monotonic-reads-bad.jsonl'), { linearizable: 'illegal', converged: 'ok' });
    expect(broken).toMatchObject({ rung: 'eventual', sessionBroken: { 'monotonic-reads': 1 } });
    expect(consistencyOf(fixture('session-monotonic-reads-bad.jsonl'), { linearizable: 'illegal', converged: 'illegal' }).rung).toBe('none');
  });
});
