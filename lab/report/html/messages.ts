// messages.jsonl: the one definition of the messages a run may record between its nodes (the
// propagation stream's updates and acks, every message in sim mode), and their Lamport diagram.
// A simulated run records every message between branches (lab/sim/network.ts); a real run records none.
import type { FaultInterval } from './faults.js';
import { escapeHtml } from './escape.js';

export const messagesFileName = 'messages.jsonl';
/** Beyond this many, the diagram shows the first ones and says how many it left out. */
export const messagesShownMax = 2_000;
const columnPx = 160;
const rowPx = 14;
const marginPx = 40;

/**
 * One message a line. `sentNs` and `receivedNs` are on the history's clock (monotonic nanoseconds since
 * the run started); `receivedNs` is null for a message that was dropped or never arrived.
 */
export interface RecordedMessage {
  from: string;
  to: string;
  /** update, ack, or any other message type of the system. */
  kind: string;
  sentNs: number;
  receivedNs: number | null;
  /** What it carried, in a few words (`a1 +10 (s3c1)`). */
  label?: string;
}

/** Reads messages.jsonl; a line that is not a message is a problem named by its line. */
export function parseMessages(text: string): RecordedMessage[] | { problem: string } {
  const messages: RecordedMessage[] = [];
  const lines = text.split('\n');
  for (const [position, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: Partial<RecordedMessage>;
    try {
      value = JSON.parse(line) as Partial<RecordedMessage>;
    } catch {
      return { problem: `line ${position + 1} is not JSON` };
    }
    const received = value.receivedNs;
    if (typeof value.from !== 'string' || typeof value.to !== 'string' || typeof value.kind !== 'string' || typeof value.sentNs !== 'number' || (received !== null && typeof received !== 'number')) {
      return { problem: `line ${position + 1} is not a message (from, to, kind, sentNs, receivedNs)` };
    }
    messages.push({ from: value.from, to: value.to, kind: value.kind, sentNs: value.sentNs, receivedNs: received, ...(typeof value.label === 'string' ? { label: value.label } : {}) });
  }
  return messages;
}

/** Places every send, receive and fault edge on its own row, in time order, so close events stay apart. */
function rowsByTime(times: readonly number[]): Map<number, number> {
  const rows = new Map<number, number>();
  for (const time of [...new Set(times)].sort((a, b) => a - b)) rows.set(time, rows.size);
  return rows;
}

/** The Lamport diagram as SVG: one vertical line per branch, one arrow per message, faults shaded. */
export function lamportSvg(branches: readonly string[], all: readonly RecordedMessage[], faults: readonly FaultInterval[]): string {
  const messages = all.slice(0, messagesShownMax);
  const faultTimes = faults.flatMap((fault) => [fault.startMs * 1e6, ...(fault.endMs === null ? [] : [fault.endMs * 1e6])]);
  const rows = rowsByTime([...messages.flatMap((message) => [message.sentNs, ...(message.receivedNs === null ? [] : [message.receivedNs])]), ...faultTimes]);
  const x = (branch: string): number => marginPx + Math.max(0, branches.indexOf(branch)) * columnPx;
  const y = (time: number): number => marginPx + (rows.get(time) ?? rows.size) * rowPx;
  const height = marginPx * 2 + rows.size * rowPx;
  const width = marginPx * 2 + Math.max(0, branches.length - 1) * columnPx + columnPx;
  const shades = faults.map((fault) => {
    const top = y(fault.startMs * 1e6);
    const bottom = fault.endMs === null ? height - marginPx : y(fault.endMs * 1e6);
    return `<rect class="fault fault-${escapeHtml(fault.kind)}" x="0" y="${top}" width="${width}" height="${Math.max(2, bottom - top)}"><title>${escapeHtml(fault.name)}</title></rect><text class="fault-name" x="${width - 4}" y="${top + 11}" text-anchor="end">${escapeHtml(fault.name)}</text>`;
  });
  const lines = branches.map((branch) => `<line class="branch-line" x1="${x(branch)}" y1="${marginPx - 10}" x2="${x(branch)}" y2="${height - marginPx / 2}"/><text class="branch-name" x="${x(branch)}" y="${marginPx - 16}" text-anchor="middle">${escapeHtml(branch)}</text>`);
  const arrows = messages.map((message) => {
    const x1 = x(message.from);
    const y1 = y(message.sentNs);
    const dropped = message.receivedNs === null;
    const x2 = dropped ? (x1 + x(message.to)) / 2 : x(message.to);
    const y2 = dropped ? y1 + rowPx : y(message.receivedNs as number);
    const title = `${message.kind} ${message.from}→${message.to}${message.label === undefined ? '' : `: ${message.label}`}; sent ${(message.sentNs / 1e6).toFixed(3)} ms, ${dropped ? 'never received' : `received ${((message.receivedNs as number) / 1e6).toFixed(3)} ms`}`;
    const end = dropped ? `<text class="dropped" x="${x2}" y="${y2 + 4}" text-anchor="middle">✕</text>` : '';
    return `<g class="message message-${escapeHtml(message.kind)}"><line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="${dropped ? '' : 'url(#arrow)'}"/>${end}<title>${escapeHtml(title)}</title></g>`;
  });
  const more = all.length > messages.length ? `<p>The diagram shows the first ${messages.length} of ${all.length} messages.</p>` : '';
  return `${more}<svg class="lamport" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>
${shades.join('')}${lines.join('')}${arrows.join('')}</svg>`;
}
