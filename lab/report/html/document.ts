// The parts every self-contained page of the lab shares (report.html, compare.html): the head with
// its inlined styles, and uPlot with its license inlined as a script, read once per process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { escapeHtml } from './escape.js';

const require = createRequire(import.meta.url);

/** uPlot, the lab's chart library, as the page inlines it. */
export interface ChartLibrary {
  script: string;
  style: string;
  license: string;
}

let library: ChartLibrary | undefined;

export function chartLibrary(): ChartLibrary {
  const read = (path: string): string => readFileSync(require.resolve(path), 'utf8');
  library ??= { script: read('uplot/dist/uPlot.iife.min.js'), style: read('uplot/dist/uPlot.min.css'), license: read('uplot/LICENSE') };
  return library;
}

/** From the doctype to </head>: the title and every style inlined (no request leaves the page). */
export function documentHead(title: string, styles: readonly string[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
${styles.map((style) => `<style>${style}</style>`).join('\n')}
</head>`;
}

/** uPlot as a script element, its license kept in a comment beside it, then the page's own drawing script. */
export function chartScripts(drawing: string): string {
  const { license, script } = chartLibrary();
  return `<script>
/* uPlot, embedded from node_modules/uplot. Its license:
${license.replaceAll('*/', '* /')}
*/
${script}
</script>
<script>
${drawing}
</script>`;
}
