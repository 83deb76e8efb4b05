// Facts about OS processes, for tests that prove nothing outlives a run: is a pid gone, which
// processes carry a given text in their command line (Linux /proc), and `faultline` run as a child.
// Try: `processesMentioning(dir)` or `await runFaultline(['bank', 'in.json'])`.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { faultlineBinPath } from './node-process.js';

/** A pid is gone when the kernel has no such process, or only its zombie entry awaiting a reaper. */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return processState(pid) === 'Z';
}

/** The one-letter state from /proc/<pid>/stat (R, S, T, Z...), or undefined when unreadable. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may hold spaces; the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Live (non-zombie) processes whose command line contains text. */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (commandLine.includes(text) && !isGone(pid)) pids.push(pid);
  }
  return pids;
}

/** The live (non-zombie) processes whose parent is `pid`, from /proc/<n>/stat (Linux). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command name in parentheses: state, then the parent's pid.
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(parent) === pid && state !== 'Z') children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/**
 * The TCP addresses a process listens on ("127.0.0.1:4000", "[::]:4000"), from its socket fds and
 * /proc/net/tcp and tcp6 (state 0A is LISTEN). Linux only; an unreadable process listens on nothing.
 */
export function listeningAddresses(pid: number): string[] {
  return tcpSockets(pid).filter((socket) => socket.state === '0A').map((socket) => socket.local);
}

/** The remote addresses of a process's established TCP connections (state 01), as listeningAddresses reads them. */
export function connectedAddresses(pid: number): string[] {
  return tcpSockets(pid).filter((socket) => socket.state === '01').map((socket) => socket.remote);
}

function tcpSockets(pid: number): { local: string; remote: string; state: string }[] {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // The fd closed while we looked.
    }
  }
  const sockets: { local: string; remote: string; state: string }[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const lines = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const [local, remote, state, inode] = [fields[1] ?? '', fields[2] ?? '', fields[3] ?? '', fields[9] ?? ''];
      if (inodes.has(inode)) sockets.push({ local: decodeProcAddress(local), remote: decodeProcAddress(remote), state });
    }
  }
  return sockets;
}

/** "0100007F:1F90" is 127.0.0.1:8080 (IPv4 bytes little-endian); IPv6 shows as [hex]:port. */
function decodeProcAddress(text: string): string {
  const [host = '', portHex = '0'] = text.split(':');
  const port = Number.parseInt(portHex, 16);
  if (host.length !== 8) return `[${host}]:${port}`;
  const bytes = [6, 4, 2, 0].map((offset) => Number.parseInt(host.slice(offset, offset + 2), 16));
  return `${bytes.join('.')}:${port}`;
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CommandConstraints {
  env?: Record<string, string>;
  timeoutMs?: number;
}

const commandTimeoutDefaultMs = 60_000;

/** Starts `faultline <args>` as a child of this process (stdin closed, output captured). */
export function spawnFaultline(args: string[], constraints: CommandConstraints = {}): ChildProcess {
  return spawn(process.execPath, [faultlineBinPath, ...args], {
    env: { ...process.env, ...constraints.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a child's output until it exits; kills it (SIGKILL) and fails when it overstays. */
export function finished(child: ChildProcess, timeoutMs = commandTimeoutDefaultMs): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${timeoutMs} ms; stderr: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function runFaultline(args: string[], constraints: CommandConstraints = {}): Promise<CommandResult> {
  return finished(spawnFaultline(args, constraints), constraints.timeoutMs);
}
