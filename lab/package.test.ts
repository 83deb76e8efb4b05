// faultline as a package other projects build on: `npm pack` (which builds dist/ through `prepare`),
// installed into an empty project, where the CLI runs (and stops with the npx that started it), plain
// JavaScript imports faultline/lab and
// faultline/models, TypeScript finds their declarations, and a vitest suite runs a lab property
// through faultline/vitest. Run: `CI=true npx vitest run lab/package.test.ts` (about a minute).
import { spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childPids, isGone } from './cluster/index.js';
import { planFor, planHash } from './index.js';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'faultline-package-'));
const project = join(work, 'project');
const installed = join(project, 'node_modules', 'faultline');
// What a checkout holds that a pack must not see: dependencies, builds, outputs, git.
const notCopied = new Set(['node_modules', '.git', '.tools', 'dist', 'dist.next', 'artifacts', 'tmp', '.team']);
const packMsMax = 120_000;
const installMsMax = 180_000;

function run(command: string, args: string[], cwd: string, timeout: number, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, timeout, encoding: 'utf8', env: { ...process.env, ...env } });
}

function expectSuccess(result: SpawnSyncReturns<string>): string {
  expect(result.error, result.stderr).toBeUndefined();
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/**
 * Packs a copy of the checkout: `npm pack` runs `prepare`, which rebuilds dist/, and a rebuild in the
 * checkout itself would swap dist/ under the other suites' processes while they start.
 */
function pack(): string {
  const copy = join(work, 'checkout');
  cpSync(root, copy, { recursive: true, filter: (source) => dirname(source) !== root.replace(/\/$/, '') || !notCopied.has(basename(source)) });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  const packed = JSON.parse(expectSuccess(run('npm', ['pack', '--json', '--pack-destination', work], copy, packMsMax))) as { filename: string }[];
  return join(work, packed[0]?.filename ?? 'missing.tgz');
}

/**
 * Installs the tarball and vitest into an empty project from npm's cache where it can. Install scripts
 * are skipped: the one that matters, better-sqlite3's, compiles SQLite for minutes; its addon is copied
 * from this checkout's install instead (the same Node, the same machine), and the package itself has none.
 */
function install(tarball: string): void {
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'uses-faultline', private: true, type: 'module' })}\n`);
  const vitest = (require('vitest/package.json') as { version: string }).version;
  expectSuccess(run('npm', ['install', tarball, `vitest@${vitest}`, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], project, installMsMax));
  const addon = join('better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(dirname(join(project, 'node_modules', addon)), { recursive: true });
  copyFileSync(join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node'), join(project, 'node_modules', addon));
}

/** Every live descendant of pid, children first. */
function descendants(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendants(child)]);
}

async function eventually(condition: () => boolean, withinMs: number): Promise<boolean> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe('the packed package, installed into an empty project', () => {
  beforeAll(() => install(pack()), packMsMax + installMsMax);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships compiled JavaScript with declarations, the protos and the browser scripts, and no TypeScript source', () => {
    const files = readdirSync(installed, { recursive: true, encoding: 'utf8' });
    expect(files).toContain(join('dist', 'lab', 'index.js'));
    expect(files).toContain(join('dist', 'lab', 'index.d.ts'));
    expect(files).toContain(join('proto', 'bank.proto'));
    expect(files).toContain(join('lab', 'report', 'html', 'report.browser.js'));
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((file) => file.includes('.test.'))).toEqual([]);
    // tsx is for development: the installed command runs without it.
    expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);
  });

  it('runs the command line', () => {
    const bin = join(project, 'node_modules', '.bin', 'faultline');
    expect(expectSuccess(run(bin, ['--help'], project, 30_000))).toContain('explore');
    const dryRun = expectSuccess(run(bin, ['run', '--seed', '7', '--dry-run'], project, 30_000));
    expect(dryRun.split('\n')[0]).toMatch(/^SEED=7 index=0 /);
  });

  it('stops, with every branch it started, when the npx that started it is killed', async () => {
    const npx = spawn('npx', ['faultline', 'explore', '--runs', '200', '--seed', '3'], { cwd: project, stdio: 'ignore' });
    const npxExited = new Promise((resolve) => npx.once('exit', resolve));
    const pid = npx.pid ?? -1;
    // npx runs the bin through a shell; the branches are node processes below it.
    const branches = (): number[] => descendants(pid).filter((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('\0node\0--id\0'));
    expect(await eventually(() => branches().length >= 2, 60_000)).toBe(true);
    const below = descendants(pid);
    npx.kill('SIGTERM');
    await npxExited;
    expect(await eventually(() => below.every(isGone), 5_000), `left: ${below.filter((child) => !isGone(child)).join(', ')}`).toBe(true);
  });

  it('imports faultline/lab and faultline/models from plain JavaScript, with the same plans as the checkout', () => {
    writeFileSync(join(project, 'use.js'), [
      "import { planFor, planHash } from 'faultline/lab';",
      "import { bankModel, checkLinearizable, parseHistory } from 'faultline/models';",
      'const history = parseHistory([',
      "  '{\"index\":0,\"process\":1,\"type\":\"invoke\",\"f\":\"deposit\",\"value\":{\"account\":\"a1\",\"amount\":5,\"requestId\":\"c1-1\"},\"time\":1}',",
      "  '{\"index\":1,\"process\":1,\"type\":\"ok\",\"f\":\"deposit\",\"value\":{\"account\":\"a1\",\"amount\":5,\"requestId\":\"c1-1\",\"applied\":true,\"balance\":15},\"time\":2}',",
      "].join('\\n'));",
      "const result = checkLinearizable(bankModel([{ account: 'a1', balance: 10 }]), history);",
      'console.log(JSON.stringify({ plan: planHash(planFor(7)), verdict: result.verdict }));',
      '',
    ].join('\n'));
    const printed = JSON.parse(expectSuccess(run(process.execPath, ['use.js'], project, 30_000))) as { plan: string; verdict: string };
    expect(printed).toEqual({ plan: planHash(planFor(7)), verdict: 'ok' });
  });

  it('gives TypeScript the declarations through the exports map', () => {
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['typed.ts'],
    }));
    writeFileSync(join(project, 'typed.ts'), [
      "import { planFor } from 'faultline/lab';",
      "import type { Plan } from 'faultline/lab';",
      "import { bankModel } from 'faultline/models';",
      'const plan: Plan = planFor(7);',
      "// @ts-expect-error: a plan's workload is no number (were the declarations missing, this line would not be an error)",
      'const wrong: number = plan.workload;',
      "bankModel([{ account: 'a1', balance: 1 }]);",
      'export { wrong };',
      '',
    ].join('\n'));
    const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
    expectSuccess(run(process.execPath, [tsc, '-p', project], project, 60_000));
  });

  it('runs a lab property in the project\'s own vitest suite through faultline/vitest', () => {
    writeFileSync(join(project, 'deposits.test.js'), [
      "import { labProperty } from 'faultline/vitest';",
      "labProperty('lock keeps every deposit', { strategy: 'lock', runs: 1, constraints: { branchesMax: 2, opsMax: 8, faults: 'none' } });",
      '',
    ].join('\n'));
    const vitest = join(project, 'node_modules', 'vitest', 'vitest.mjs');
    const output = expectSuccess(run(process.execPath, [vitest, 'run', '--reporter', 'verbose'], project, 120_000, { CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' }));
    expect(output).toMatch(/✓ .*lock keeps every deposit \(seed \d+\).*SEED=\d+ index=0/);
    expect(output).toContain('1 passed');
  });
});
