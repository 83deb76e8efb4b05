// Unit tests of compare.html as text: self-contained, its data parses back, the grid links resolve.
import { describe, expect, it } from 'vitest';
import { compareDocument } from './document.js';
import { compareHtml, escapeHtml, runAnchor } from './html.js';
import { handConstraints, handRun, handSession } from './_testing/runs.js';

const document = compareDocument({ root: 1, strategies: ['lock', 'lock-free', 'unsafe'], seeds: 3, constraints: handConstraints, proxy: 'embedded' }, handSession(3), 3);
const html = compareHtml(document);

describe('compareHtml', () => {
  it('loads nothing from elsewhere: uPlot, its license and the styles are inline', () => {
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href="(?!data:)/);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/);
    expect(html).toContain('var uPlot=function');
    expect(html).toContain('Permission is hereby granted');
    expect(html).toContain('.uplot');
  });

  it('carries its chart data as JSON that parses back to the document’s', () => {
    const match = /<script type="application\/json" id="compare-data">([\s\S]*?)<\/script>/.exec(html);
    const data = JSON.parse(match?.[1] ?? 'null');
    expect(data.timelines).toEqual(document.timelines);
    expect(data.latencyCdf).toEqual(document.latencyCdf);
    expect(data.stalenessCdf).toEqual(document.stalenessCdf);
  });

  it('links every grid cell to a replay command on the page', () => {
    const targets = [...html.matchAll(/<a href="#([^"]+)"/g)].map((match) => match[1]);
    expect(targets).toHaveLength(9);
    for (const target of targets) expect(html).toContain(`<li id="${target}"><code>npx faultline run --seed`);
    expect(targets).toContain(runAnchor(1, 'unsafe'));
    expect(html).toMatch(/class="verdict verdict-illegal"><a href="#run-1-unsafe"[^>]*>ILLEGAL: linearizability, conservation<\/a>/);
  });

  it('has the tables and the chart holders the script fills', () => {
    for (const id of ['latency-cdf', 'throughput', 'timeline-seed']) expect(html).toContain(`id="${id}"`);
    for (const className of ['verdicts', 'trade-off', 'performance', 'grid']) expect(html).toContain(`<table class="${className}">`);
  });

  it('says in one sentence that too few seeds call no difference, and shows the table from six seeds on', () => {
    expect(html).not.toContain('<table class="differences">');
    expect(html).toContain('With 3 seeds, fewer than the 6 a bootstrap interval needs, no difference between the strategies can be called');
    const enough = compareDocument({ root: 1, strategies: ['lock', 'lock-free', 'unsafe'], seeds: 6, constraints: handConstraints, proxy: 'embedded' }, handSession(6), 3);
    expect(compareHtml(enough)).toContain('<table class="differences">');
  });

  it('draws throughput over the workload, not the cluster start before it: time 0 is the first invoke', () => {
    const late = handRun({
      index: 0, strategy: 'lock',
      ops: [{ type: 'ok', startMs: 5_000, endMs: 5_020 }, { type: 'ok', startMs: 5_030, endMs: 5_250 }],
      faults: [{ fault: { kind: 'kill', node: 'b2' }, startMs: 5_100, endMs: 5_200 }],
    });
    const [timeline] = compareDocument({ root: 1, strategies: ['lock'], seeds: 1, constraints: handConstraints, proxy: 'embedded' }, [late], 6).timelines;
    expect(timeline?.okPerBucket).toEqual([1, 0, 1]);
    expect(timeline?.faults.map((fault) => [fault.startMs, fault.endMs])).toEqual([[100, 200]]);
  });
});

describe('escapeHtml', () => {
  it('escapes what could open a tag or close an attribute', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
