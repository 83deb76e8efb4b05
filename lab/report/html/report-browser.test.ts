// report.html of a caught unsafe failure in headless Chromium (Debian's package, driven by
// playwright-core): no console errors, one box per op, the op that cannot be placed highlighted, a hover
// card with the op's times, anchors that follow, and a screenshot in artifacts/report-page/ that is not
// blank. Skips without Chromium.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, chromiumPresent, openPage } from '../_testing/browser.js';
import { caughtRun } from '../_testing/runs.js';
import { reportHtml } from './report.js';

const present = chromiumPresent;
const outDirectory = resolve('artifacts/report-page');
/** A screenshot with fewer colours than this is blank, or nearly. */
const coloursMin = 20;

if (!present) process.stderr.write(`report.html browser test skipped: ${chromiumPath} is absent (apt-get install -y chromium)\n`);

/** The little of the DOM the checks read (the project compiles without the DOM's types). */
interface ImageLike { width: number; height: number; src: string; decode(): Promise<void> }
interface CanvasContextLike { drawImage(image: ImageLike, x: number, y: number): void; getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } }
interface DocumentLike { createElement(name: 'img'): ImageLike; createElement(name: 'canvas'): { width: number; height: number; getContext(kind: '2d'): CanvasContextLike | null } }

/** Decodes the PNG in the page itself and counts its distinct colours and its non-white pixels. */
async function screenshotInk(page: Page, png: Buffer): Promise<{ colours: number; inkedShare: number }> {
  return page.evaluate(async (source) => {
    const dom = (globalThis as unknown as { document: DocumentLike }).document;
    const image = dom.createElement('img');
    image.src = source;
    await image.decode();
    const canvas = dom.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context?.drawImage(image, 0, 0);
    const pixels = context?.getImageData(0, 0, image.width, image.height).data ?? new Uint8ClampedArray();
    const colours = new Set<number>();
    let inked = 0;
    for (let offset = 0; offset < pixels.length; offset += 4) {
      const [red, green, blue] = [pixels[offset] ?? 0, pixels[offset + 1] ?? 0, pixels[offset + 2] ?? 0];
      colours.add((red << 16) | (green << 8) | blue);
      if (red + green + blue < 720) inked += 1;
    }
    return { colours: colours.size, inkedShare: inked / Math.max(1, pixels.length / 4) };
  }, `data:image/png;base64,${png.toString('base64')}`);
}

describe.skipIf(!present)(`report.html in headless Chromium${present ? '' : ` (skipped: ${chromiumPath} is absent)`}`, () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const run = caughtRun();
  const file = join(outDirectory, 'report.html');

  beforeAll(async () => {
    mkdirSync(outDirectory, { recursive: true });
    writeFileSync(file, reportHtml(run));
    const opened = await openPage(file, 'body[data-report-drawn="true"]', errors);
    browser = opened.browser;
    page = opened.page;
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without console errors', () => {
    expect(errors).toEqual([]);
  });

  it('draws as many boxes as the history has ops, and highlights the op that cannot be placed', async () => {
    const ops = run.history.filter((event) => event.type === 'invoke').length;
    expect(await page.$$eval('#timeline .op', (boxes) => boxes.length)).toBe(ops);
    expect(await page.getAttribute('#op-1', 'class')).toContain('blocked');
    expect(await page.$$eval('#timeline .op.blocked', (boxes) => boxes.length)).toBe(1);
    expect(await page.$$eval('#timeline svg.points circle', (points) => points.length)).toBe(1);
  });

  it('shows the call and return times when a box is hovered', async () => {
    await page.hover('#op-1');
    const card = await page.textContent('#tooltip');
    expect(await page.isVisible('#tooltip')).toBe(true);
    expect(card).toContain('deposit(a1, 20) → ok, balance 120');
    expect(card).toMatch(/called 0\.001 ms, returned 0\.003 ms/);
    expect(card).toContain('branch b2; request id c2-1');
  });

  it('follows a story line’s link to its op', async () => {
    await page.click('#verdict a[href="#op-1"]');
    expect(await page.getAttribute('#op-1', 'class')).toContain('target');
  });

  it('takes a screenshot that is not blank', async () => {
    const shot = join(outDirectory, 'report.png');
    const png = await page.screenshot({ path: shot, fullPage: true });
    const ink = await screenshotInk(page, png);
    expect(ink.colours).toBeGreaterThan(coloursMin);
    expect(ink.inkedShare).toBeGreaterThan(0.02);
    expect(readFileSync(shot).length).toBe(png.length);
  });
});
