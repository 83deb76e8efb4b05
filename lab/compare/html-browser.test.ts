// compare.html in headless Chromium (Debian's package, driven by playwright-core): it loads without
// console errors, the charts draw, and a screenshot lands in artifacts/compare-page/. Skips without Chromium.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, chromiumPresent, openPage } from '../report/_testing/browser.js';
import { compareDocument } from './document.js';
import { compareHtml } from './html.js';
import { handConstraints, handSession } from './_testing/runs.js';

const present = chromiumPresent;
const outDirectory = resolve('artifacts/compare-page');
const strategies = ['lock', 'lock-free', 'unsafe'] as const;

if (!present) process.stderr.write(`compare.html browser test skipped: ${chromiumPath} is absent (apt-get install -y chromium)\n`);

/** The little of a canvas element the check reads (the project compiles without the DOM's types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } } | null;
}

/** Pixels of a canvas that are not background, and those that carry the partition shading. */
async function canvasInk(page: Page, selector: string): Promise<{ inked: number; shaded: number }[]> {
  return page.$$eval(selector, (canvases) =>
    (canvases as unknown as CanvasLike[]).map((canvas) => {
      const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let inked = 0;
      let shaded = 0;
      for (let offset = 0; offset < pixels.length; offset += 4) {
        const [red, green, blue, alpha] = [pixels[offset] ?? 0, pixels[offset + 1] ?? 0, pixels[offset + 2] ?? 0, pixels[offset + 3] ?? 0];
        if (alpha > 0) inked += 1;
        // rgba(214, 39, 40, 0.22) over a transparent canvas: reddish, partly opaque.
        if (alpha > 30 && alpha < 90 && red > 180 && green < 80 && blue < 80) shaded += 1;
      }
      return { inked, shaded };
    }),
  );
}

describe.skipIf(!present)(`compare.html in headless Chromium${present ? '' : ` (skipped: ${chromiumPath} is absent)`}`, () => {
  let browser: Browser;
  const errors: string[] = [];
  let page: Page;

  beforeAll(async () => {
    mkdirSync(outDirectory, { recursive: true });
    const document = compareDocument({ root: 1, strategies: [...strategies], seeds: 4, constraints: handConstraints, proxy: 'embedded' }, handSession(4), 3);
    const file = join(outDirectory, 'compare.html');
    writeFileSync(file, compareHtml(document));
    const opened = await openPage(file, 'body[data-charts-drawn="true"]', errors);
    browser = opened.browser;
    page = opened.page;
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without console errors', () => {
    expect(errors).toEqual([]);
  });

  it('draws a latency CDF and one throughput chart per strategy, with the partition shaded', async () => {
    const cdf = await canvasInk(page, '#latency-cdf canvas');
    expect(cdf).toHaveLength(1);
    expect(cdf[0]?.inked).toBeGreaterThan(1000);
    const throughput = await canvasInk(page, '#throughput canvas');
    expect(throughput).toHaveLength(strategies.length);
    for (const chart of throughput) {
      expect(chart.inked).toBeGreaterThan(1000);
      expect(chart.shaded).toBeGreaterThan(100);
    }
    const legends = await page.$$eval('#latency-cdf .u-legend .u-series', (rows) => rows.map((row) => row.textContent ?? ''));
    expect(legends.join(' ')).toContain('lock-free');
  });

  it('redraws the timelines of another seed when picked', async () => {
    await page.selectOption('#timeline-seed', '2');
    const titles = await page.$$eval('#throughput .chart-title', (items) => items.map((item) => item.textContent ?? ''));
    expect(titles).toHaveLength(strategies.length);
    expect(await page.$$eval('#throughput canvas', (items) => items.length)).toBe(strategies.length);
    expect(errors).toEqual([]);
  });

  it('takes a screenshot of the whole page', async () => {
    const shot = join(outDirectory, 'compare.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });
});
