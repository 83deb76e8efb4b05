#!/usr/bin/env node
// The faultline command. It runs the compiled package under dist/ (built by `npm run build`, by
// `npm ci` through `prepare`, and by `npm pack`). In a checkout, where the TypeScript sources sit
// beside dist/, it runs dist/ only while every compiled file is at least as new as its source, and
// loads the sources through tsx otherwise, so the command never runs stale code. An installed package
// ships no sources: it always runs dist/. FAULTLINE_DIST=0 forces tsx in a checkout. `check` runs
// from its own bundle, dist/check (scripts/bundle-check.mjs: a few files to load instead of sixty),
// under the same rule: in a checkout while no source it was built from is newer.
// Try it: `npx faultline --help`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every dist/**.js has its source beside the same path as .ts, no newer than it. */
function distIsFresh() {
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

/** check's bundle, when no source it was built from (dist/check/inputs.json) is newer; always when installed. */
function checkBundleIsFresh() {
  const bundle = `${root}dist/check/check-main.mjs`;
  if (!existsSync(`${root}lab/cli/main.ts`)) return existsSync(bundle);
  if (process.env.FAULTLINE_DIST === '0') return false;
  try {
    const built = statSync(bundle).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(`${root}dist/check/inputs.json`, 'utf8'));
    return inputs.length > 0 && inputs.every((path) => statSync(`${root}${path}`).mtimeMs <= built);
  } catch {
    return false;
  }
}

function runsCompiled() {
  if (!existsSync(`${root}lab/cli/main.ts`)) return true;
  return process.env.FAULTLINE_DIST !== '0' && distIsFresh();
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
} else if (runsCompiled()) {
  const { main } = await import('../dist/lab/cli/main.js');
  process.exitCode = await main(argv);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../lab/cli/main.ts');
  process.exitCode = await main(argv);
}
