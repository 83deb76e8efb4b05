// report.html without a browser: what the page says agrees with the story, the witness and the data
// it draws from are there, a run's artifacts include it, messages are drawn when recorded, and a
// 100-op report stays under 500 KB.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caughtRun, syntheticRun } from '../_testing/runs.js';
import { writeArtifacts } from '../artifacts.js';
import { verdictSentence, failureStory } from '../story.js';
import { escapeHtml } from './escape.js';
import { parseMessages } from './messages.js';
import { reportFileName } from '../names.js';
import { reportHtml } from './report.js';
import { reportView } from './view.js';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-report-'));
const reportBytesMax = 500 * 1024;

function pageData(html: string): { ops: { index: number; label: string; branch: string | null }[]; linearization: { blocked: { index: number } | null } } {
  const match = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html);
  return JSON.parse(match?.[1] ?? 'null') as ReturnType<typeof pageData>;
}

describe('report.html', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const run = caughtRun();

  it('opens with the verdict sentence the story shares, and the command that reruns it', () => {
    const html = reportHtml(run);
    expect(run.violations).toContain('linearizability');
    expect(html).toContain(escapeHtml(verdictSentence(run)).replaceAll(/\bop (\d+)\b/g, '<a href="#op-$1">op $1</a>'));
    expect(html).toContain('npx faultline run --seed 7 --index 0 --path 0 --strategy unsafe');
    expect(html).toContain(escapeHtml(failureStory(run).split('\n')[1] ?? '').replaceAll(/\bop (\d+)\b/g, '<a href="#op-$1">op $1</a>'));
  });

  it('draws one box per op, with readable labels, the plan’s branch, and the op that cannot be placed', () => {
    const data = pageData(reportHtml(run));
    expect(data.ops).toHaveLength(run.history.filter((event) => event.type === 'invoke').length);
    expect(data.ops.map((op) => op.label)).toContain('deposit(a1, 20) → ok, balance 120');
    expect(data.ops.find((op) => op.index === 1)?.branch).toBe('b2');
    expect(data.linearization.blocked?.index).toBe(1);
  });

  it('shows the money that does not add up: a1 should hold 130, every branch holds less', () => {
    const a1 = reportView(run).accounts.find((row) => row.account === 'a1');
    expect(a1?.expectedLow).toBe(130);
    expect(a1?.finals.map((final) => [final.branch, final.balance, final.off])).toEqual([['b1', 120, true], ['b2', 110, true], ['b3', 120, true]]);
  });

  it('is written with every run’s artifacts', () => {
    const directory = writeArtifacts(scratch, run);
    const html = readFileSync(join(directory, reportFileName), 'utf8');
    expect(html).toContain(`npx faultline replay ${directory}`);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
    expect(failureStory({ ...run, artifactDir: directory }).split('\n')[1]).toBe(`report: ${join(directory, reportFileName)}`);
  });

  it('draws a Lamport diagram when the run recorded messages', () => {
    const messages = parseMessages('{"from":"b1","to":"b2","kind":"update","sentNs":1000,"receivedNs":2500,"label":"a1 +10"}\n{"from":"b2","to":"b1","kind":"ack","sentNs":2600,"receivedNs":null}\n');
    if ('problem' in messages) throw new Error(messages.problem);
    const html = reportHtml({ ...run, messages });
    expect(html).toContain('<svg class="lamport"');
    expect(html.match(/<g class="message message-/g)).toHaveLength(2);
    expect(reportHtml(run)).toContain('This run recorded no messages');
    expect(parseMessages('{"from":"b1"}\n')).toEqual({ problem: 'line 1 is not a message (from, to, kind, sentNs, receivedNs)' });
  });

  it('shows another system\'s final states as each node\'s own JSON, marking the node that differs', () => {
    const nodeStates = [
      { node: 'n1', state: { k0: { value: 1, version: 2 } } },
      { node: 'n2', state: { k0: { value: 3, version: 3 } } },
      { node: 'n3', state: { k0: { value: 3, version: 3 } } },
    ];
    const states = reportView({ ...run, finalStates: [], nodeStates }).states;
    expect(states.branches).toEqual(['n1', 'n2', 'n3']);
    expect(states.rows.map((row) => [row.name, row.cells.map((cell) => `${cell.value}${cell.differs ? '!' : ''}`)])).toEqual([
      ['k0', ['{"value":1,"version":2}!', '{"value":3,"version":3}', '{"value":3,"version":3}']],
    ]);
  });

  it('keeps the report of a 100-op run under 500 KB', () => {
    const bytes = Buffer.byteLength(reportHtml(syntheticRun(100)));
    expect(bytes).toBeLessThan(reportBytesMax);
  });
});
