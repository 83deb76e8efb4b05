#!/usr/bin/env node
// The faultline command. `check` runs compiled from dist/ (built by `npm run build`, and by `npm ci`
// through `prepare`) when every compiled file is at least as new as its TypeScript source, so a check
// starts in tens of milliseconds: first choice the bundle in dist/check (scripts/bundle-check.mjs, a
// few files to load instead of sixty), else tsc's dist/. Any other verb, or a dist that is missing or
// stale, loads the sources through tsx, so the command never runs stale code. FAULTLINE_DIST=0 forces
// tsx. Try it: `npx faultline --help`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The bundle of check, when no source it was built from (dist/check/inputs.json) is newer than it. */
function checkBundleIsFresh() {
  if (process.env.FAULTLINE_DIST === '0') return false;
  try {
    const built = statSync(`${root}dist/check/check-main.mjs`).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(`${root}dist/check/inputs.json`, 'utf8'));
    return inputs.length > 0 && inputs.every((path) => statSync(`${root}${path}`).mtimeMs <= built);
  } catch {
    return false;
  }
}

/** Every dist/**.js has its source beside the same path as .ts, no newer than it. */
function distIsFresh() {
  if (process.env.FAULTLINE_DIST === '0') return false;
  let compiled;
  try {
    compiled = readdirSync(`${root}dist`, { recursive: true }).filter((path) => path.endsWith('.js'));
  } catch {
    return false;
  }
  if (compiled.length === 0) return false;
  return compiled.every((path) => {
    try {
      return statSync(`${root}${path.slice(0, -3)}.ts`).mtimeMs <= statSync(`${root}dist/${path}`).mtimeMs;
    } catch {
      return false;
    }
  });
}

// A reader that stops early (`faultline check ... | head`) closes the pipe; that is no error of ours.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const argv = process.argv.slice(2);
if (argv[0] === 'check' && checkBundleIsFresh()) {
  const { checkMain } = await import('../dist/check/check-main.mjs');
  process.exitCode = await checkMain(argv.slice(1));
} else if (argv[0] === 'check' && distIsFresh()) {
  const { checkMain } = await import('../dist/lab/cli/check-main.js');
  process.exitCode = await checkMain(argv.slice(1));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../lab/cli/main.ts');
  process.exitCode = await main(argv);
}
