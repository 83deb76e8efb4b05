// Bundles `faultline check` (its entry and its worker thread) into a few ES modules in dist/check/, so a
// check loads three files instead of sixty and starts sooner; bin/faultline.mjs prefers the bundle
// while it is fresh. Run by `npm run build` after tsc; try it: `node scripts/bundle-check.mjs`.
// esbuild does the bundling (already installed with tsx); the bundle keeps npm packages external, and
// splits what check loads only for bank histories (the report and plan modules) into chunks of their own.
// It reports on stderr: `npm pack --json` runs it through prepare, and stdout there is JSON.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
// --outdir: elsewhere than dist/check (the bundle's test builds one of its own); it must stay inside
// the package, where the bundle's npm imports resolve.
const { values } = parseArgs({ options: { outdir: { type: 'string', default: join(root, 'dist', 'check') } } });
const outdir = resolve(values.outdir);
/** What bin/faultline.mjs reads to tell whether the bundle is fresh: every source it was built from. */
const inputsFile = 'inputs.json';

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // Without esbuild the launcher runs dist/ from tsc (or the sources): slower to start, same answers.
  console.error('bundle-check: esbuild is not installed; check runs from the tsc build');
  process.exit(0);
}

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['lab/cli/check-main.ts', 'lab/cli/check-worker.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outExtension: { '.js': '.mjs' },
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).sort();
writeFileSync(join(outdir, inputsFile), `${JSON.stringify({ inputs }, null, 1)}\n`);
console.error(`bundle-check: ${Object.keys(result.metafile.outputs).length} files in dist/check from ${inputs.length} sources`);
