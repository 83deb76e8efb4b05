// The nemesis's events as the report draws them: fault intervals (start to stop, or to the final
// heal-all) shaded across the timeline, and marks for crashes, restarts, pauses and skipped faults.
import type { NemesisEvent } from '../../client/index.js';
import type { Fault } from '../../plan/index.js';

const nanosecondsPerMs = 1e6;

export interface FaultInterval {
  name: string;
  /** partition, toxic, kill or pause: the page colours by it. */
  kind: string;
  startRow: number;
  /** The row of the stop (or heal-all); the last row when nothing stopped it. */
  endRow: number;
  startMs: number;
  endMs: number | null;
}

export interface FaultMark {
  row: number;
  ms: number;
  text: string;
  /** crash, restart, pause, resume, skip or heal: the page styles by it. */
  kind: string;
}

function faultKind(fault: unknown): string {
  return typeof fault === 'object' && fault !== null && typeof (fault as Fault).kind === 'string' ? (fault as Fault).kind : 'other';
}

function nodeOf(fault: unknown): string {
  return typeof fault === 'object' && fault !== null && 'node' in fault ? String((fault as { node: unknown }).node) : '?';
}

function markOf(event: NemesisEvent, row: number): FaultMark | undefined {
  const ms = event.time / nanosecondsPerMs;
  const kind = faultKind(event.fault);
  if (event.type === 'skip') return { row, ms, text: `skipped: ${event.description}${event.error === undefined ? '' : ` (${event.error})`}`, kind: 'skip' };
  if (event.fault === 'heal-all') return { row, ms, text: event.description, kind: 'heal' };
  if (kind === 'kill') return event.type === 'start' ? { row, ms, text: `kill -9 ${nodeOf(event.fault)}`, kind: 'crash' } : { row, ms, text: `restart ${nodeOf(event.fault)}`, kind: 'restart' };
  if (kind === 'pause') return event.type === 'start' ? { row, ms, text: `pause ${nodeOf(event.fault)}`, kind: 'pause' } : { row, ms, text: `resume ${nodeOf(event.fault)}`, kind: 'resume' };
  return undefined;
}

/** Pairs each start with the next stop of the same fault; the heal-all closes whatever is still open. */
export function faultViews(nemesis: readonly NemesisEvent[], nemesisRows: readonly number[], lastRow: number): { intervals: FaultInterval[]; marks: FaultMark[] } {
  const intervals: FaultInterval[] = [];
  const marks: FaultMark[] = [];
  const open = new Map<string, FaultInterval[]>();
  nemesis.forEach((event, order) => {
    const row = nemesisRows[order] ?? lastRow;
    const mark = markOf(event, row);
    if (mark !== undefined) marks.push(mark);
    const ms = event.time / nanosecondsPerMs;
    if (event.fault === 'heal-all') {
      for (const interval of [...open.values()].flat()) Object.assign(interval, { endRow: row, endMs: ms });
      open.clear();
      return;
    }
    const key = JSON.stringify(event.fault);
    if (event.type === 'start') {
      const interval = { name: event.description, kind: faultKind(event.fault), startRow: row, endRow: lastRow, startMs: ms, endMs: null };
      intervals.push(interval);
      open.set(key, [...(open.get(key) ?? []), interval]);
    } else if (event.type === 'stop') {
      const interval = open.get(key)?.shift();
      if (interval !== undefined) Object.assign(interval, { endRow: row, endMs: ms });
    }
  });
  return { intervals, marks };
}
