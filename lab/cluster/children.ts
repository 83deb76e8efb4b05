// The registry of every child process and temporary directory the lab created in this process, so
// none outlives it: on exit, on SIGINT and on SIGTERM each child gets SIGKILL and the dirs are removed.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';

const liveChildren = new Set<ChildProcess>();
const temporaryDirectories = new Set<string>();
let handlersInstalled = false;

/** Tracks a child until it exits; installs the process handlers the first time. */
export function adoptChild(child: ChildProcess): void {
  installHandlers();
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Removes this directory when the process ends, unless released first. */
export function adoptTemporaryDirectory(path: string): void {
  installHandlers();
  temporaryDirectories.add(path);
}

export function releaseTemporaryDirectory(path: string): void {
  temporaryDirectories.delete(path);
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
