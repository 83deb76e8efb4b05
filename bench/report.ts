// Benchmark of report.html: how long a 10,000-op run's report takes to draw in headless Chromium (from
// navigation to the page's drawn mark), and how large the reports of 100- and 10,000-op runs are.
// Run: `npm run bench:report` [-- --ops N] [-- --passes N]. Needs /usr/bin/chromium.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { syntheticRun } from '../lab/report/_testing/runs.js';
import { reportHtml } from '../lab/report/index.js';

const chromiumPath = '/usr/bin/chromium';
const renderMsMax = 2_000;
const reportBytesMax = 500 * 1024;
const smallOps = 100;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ops: { type: 'string' }, passes: { type: 'string' } } });
  const ops = Number(values.ops ?? 10_000);
  const passes = Number(values.passes ?? 3);
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is absent (apt-get install -y chromium)`);
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-bench-report-'));
  try {
    const smallBytes = Buffer.byteLength(reportHtml(syntheticRun(smallOps)));
    const built = performance.now();
    const html = reportHtml(syntheticRun(ops));
    const buildMs = performance.now() - built;
    const file = join(scratch, 'report.html');
    writeFileSync(file, html);
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    const timings: { wallMs: number; scriptMs: number; drawnAtMs: number }[] = [];
    try {
      for (let pass = 0; pass < passes; pass += 1) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const started = performance.now();
        await page.goto(pathToFileURL(file).href, { timeout: 60_000 });
        await page.waitForSelector('body[data-report-drawn="true"]', { timeout: 60_000 });
        // One frame after the mark, so layout and paint of the boxes are in the figure too.
        const drawnAtMs = await page.evaluate(() => new Promise<number>((done) => (globalThis as unknown as { requestAnimationFrame(callback: () => void): void }).requestAnimationFrame(() => done(performance.now()))));
        const wallMs = performance.now() - started;
        const scriptMs = Number(await page.getAttribute('body', 'data-render-ms'));
        const boxes = await page.$$eval('#timeline .op', (items) => items.length);
        if (boxes !== ops) throw new Error(`the timeline has ${boxes} boxes, the run ${ops} ops`);
        timings.push({ wallMs, scriptMs, drawnAtMs });
        await page.close();
      }
    } finally {
      await browser.close();
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const drawnAt = median(timings.map((timing) => timing.drawnAtMs));
    process.stdout.write(`report of ${smallOps} ops: ${(smallBytes / 1024).toFixed(0)} KB (budget ${reportBytesMax / 1024} KB) ${smallBytes < reportBytesMax ? 'ok' : 'OVER'}\n`);
    process.stdout.write(`report of ${ops} ops: ${megabytes(Buffer.byteLength(html))}, built in ${buildMs.toFixed(0)} ms\n`);
    process.stdout.write(`drawn in Chromium, median of ${passes}: ${drawnAt.toFixed(0)} ms from navigation to the first frame after drawing (script ${median(timings.map((timing) => timing.scriptMs)).toFixed(0)} ms; goto to drawn ${median(timings.map((timing) => timing.wallMs)).toFixed(0)} ms) — budget ${renderMsMax} ms ${drawnAt < renderMsMax ? 'ok' : 'OVER'}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
