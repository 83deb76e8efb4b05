// The registry of every child process and temporary directory the lab created in this process, so
// none outlives it, however it ends. On exit, SIGINT and SIGTERM each child gets SIGKILL and the dirs
// are removed here. For the ends no handler sees (kill -9, a crash of Node itself) a reaper watches a
// lifeline: a small process started with the first adoption, told over a pipe what to kill and remove;
// when the pipe closes because this process is gone, it kills and removes what is still listed.
// Directories named by `temporaryDirectoryPrefix` carry their owner's pid, so the next start reclaims
// any a dead owner left (the reaper itself killed too). Try: `adoptChild(spawn('sleep', ['60']))`.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

const liveChildren = new Set<ChildProcess>();
const temporaryDirectories = new Set<string>();
let handlersInstalled = false;
let reaper: ChildProcess | undefined;

/**
 * The reaper's program, run with `node -e` so that it needs no file and no loader and starts in tens of
 * milliseconds, compiled or not. Lines on stdin: `+pid N`, `-pid N`, `+dir PATH`, `-dir PATH`. At the
 * end of stdin it sends SIGKILL to each listed pid, waits (at most a second) until they are gone, so
 * none writes into a directory being removed, then removes each listed directory.
 */
const reaperProgram = `
const pids = new Set(); const dirs = new Set(); let buffered = '';
process.on('SIGINT', () => {}); process.on('SIGTERM', () => {}); process.on('SIGHUP', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let newline = buffered.indexOf('\\n'); newline >= 0; newline = buffered.indexOf('\\n')) {
    const line = buffered.slice(0, newline); buffered = buffered.slice(newline + 1);
    const [sign, kind] = [line[0], line.slice(1, 4)]; const value = line.slice(5);
    const set = kind === 'pid' ? pids : dirs; const item = kind === 'pid' ? Number(value) : value;
    if (sign === '+') set.add(item); else set.delete(item);
  }
});
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (error) { return error.code === 'EPERM'; } };
process.stdin.on('close', () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  const started = Date.now();
  const finish = () => {
    if ([...pids].some(alive) && Date.now() - started < 1000) return setTimeout(finish, 20);
    for (const dir of dirs) { try { require('node:fs').rmSync(dir, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  };
  finish();
});
`;

/** Where the lab makes its temporary directories: `<prefix>XXXXXX` with mkdtemp. */
export function temporaryDirectoryPrefix(purpose: string): string {
  return join(tmpdir(), `faultline-${purpose}-${process.pid}-`);
}

/**
 * Removes the temporary directories of this purpose whose owner process is gone (killed before it or
 * its reaper could). A directory whose pid is alive is left alone, whoever that pid belongs to now.
 * Returns the paths removed.
 */
export function reclaimTemporaryDirectories(purpose: string): string[] {
  const pattern = new RegExp(`^faultline-${purpose}-(\\d+)-`);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return removed;
  }
  for (const name of names) {
    const owner = Number(pattern.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(owner) || owner === process.pid || isAlive(owner)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
    removed.push(join(tmpdir(), name));
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Starts the reaper once; it holds nothing open that would keep this process alive. */
function tellReaper(line: string): void {
  if (reaper === undefined) {
    // Its own process group: a Ctrl-C or a kill of our group must not end it before it has reaped.
    reaper = spawn(process.execPath, ['-e', reaperProgram], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    reaper.unref();
    reaper.stdin?.on('error', () => undefined);
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  reaper.stdin?.write(`${line}\n`);
}

/** The reaper's pid, once there is one (for tests). */
export function reaperPid(): number | undefined {
  return reaper?.pid;
}

/** Tracks a child until it exits; installs the process handlers the first time. */
export function adoptChild(child: ChildProcess): void {
  installHandlers();
  liveChildren.add(child);
  if (child.pid !== undefined) tellReaper(`+pid ${child.pid}`);
  child.once('exit', () => {
    liveChildren.delete(child);
    if (child.pid !== undefined) tellReaper(`-pid ${child.pid}`);
  });
}

/** Removes this directory when the process ends, unless released first. */
export function adoptTemporaryDirectory(path: string): void {
  installHandlers();
  temporaryDirectories.add(path);
  tellReaper(`+dir ${path}`);
}

export function releaseTemporaryDirectory(path: string): void {
  temporaryDirectories.delete(path);
  if (reaper !== undefined) tellReaper(`-dir ${path}`);
}

export function liveChildCount(): number {
  return liveChildren.size;
}

/** Synchronous on purpose: an 'exit' handler cannot wait for anything. */
function killEverythingNow(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone: nothing to do.
    }
  }
  liveChildren.clear();
  for (const path of temporaryDirectories) {
    rmSync(path, { recursive: true, force: true });
  }
  temporaryDirectories.clear();
}

function onSignal(signal: 'SIGINT' | 'SIGTERM'): void {
  killEverythingNow();
  // Our listener replaced the default action (terminate). When nobody else listens for this signal,
  // do what the default would have done, with the conventional 128 + signal number.
  if (process.listenerCount(signal) === 1) {
    process.exit(128 + constants.signals[signal]);
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killEverythingNow);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
