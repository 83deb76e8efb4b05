// A server interceptor that notes who called what (x-client-id, x-request-id), how it ended and
// how long it took, in a small ring of recent calls. The node logs a call that ended INTERNAL with
// its ids, and dumps the ring on SIGUSR2. Try it: `kill -USR2 <node pid>` and read its stderr.
import { ServerInterceptingCall, status } from '@grpc/grpc-js';
import type { Metadata, ServerInterceptingCallInterface, ServerInterceptor, ServerMethodDefinition } from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import { metadataKeys } from './channel.js';

export const recentCallsMax = 256;

export interface CallRecord {
  method: string;
  clientId: string;
  requestId: string;
  startedMs: number;
  /** Unset while the call runs. */
  code: number | undefined;
  durationMs: number | undefined;
}

export class RecentCalls {
  private readonly ring: (CallRecord | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number = recentCallsMax) {
    this.ring = new Array<CallRecord | undefined>(capacity).fill(undefined);
  }

  add(record: CallRecord): void {
    this.ring[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  list(): CallRecord[] {
    const ordered = [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered.filter((record): record is CallRecord => record !== undefined);
  }
}

function firstValue(metadata: Metadata, key: string): string {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : '';
}

export function describeCall(record: CallRecord): string {
  const outcome = record.code === undefined ? 'running' : `${status[record.code] ?? record.code} in ${record.durationMs} ms`;
  return `${record.method} client=${record.clientId || '-'} request=${record.requestId || '-'} ${outcome}`;
}

export function recordingInterceptor(recent: RecentCalls, log: (line: string) => void): ServerInterceptor {
  return function recordCall(method: ServerMethodDefinition<unknown, unknown>, call: ServerInterceptingCallInterface) {
    const record: CallRecord = {
      method: method.path, clientId: '', requestId: '', startedMs: performance.now(), code: undefined, durationMs: undefined,
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            record.clientId = firstValue(metadata, metadataKeys.clientId);
            record.requestId = firstValue(metadata, metadataKeys.requestId);
            recent.add(record);
            forward(metadata);
          },
        });
      },
      sendStatus(outcome, forward) {
        record.code = outcome.code;
        record.durationMs = Math.round(performance.now() - record.startedMs);
        if (outcome.code === status.INTERNAL) log(`internal error: ${describeCall(record)}: ${outcome.details ?? ''}`);
        forward(outcome);
      },
    });
  };
}
