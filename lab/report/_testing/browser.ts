// For the browser tests of the lab's pages: Debian's headless Chromium through playwright-core, a page
// opened from a file, and every console error, page error and failed request collected.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const chromiumPresent = existsSync(chromiumPath);
const loadMsMax = 15_000;

export interface OpenedPage {
  browser: Browser;
  page: Page;
}

/**
 * Opens the file at 1280x900 and waits until `readySelector` appears (the page's script says it drew);
 * console errors and warnings, page errors and failed requests go into `errors` as they come.
 */
export async function openPage(file: string, readySelector: string, errors: string[]): Promise<OpenedPage> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => errors.push(`requestfailed: ${request.url()}`));
  await page.goto(pathToFileURL(file).href, { timeout: loadMsMax });
  await page.waitForSelector(readySelector, { timeout: loadMsMax });
  return { browser, page };
}
