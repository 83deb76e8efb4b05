// The ring of recent calls a node dumps on SIGUSR2: who called what, how it ended, and a log line
// for every call that ended INTERNAL.
import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { metadataKeys } from '../../../proto/index.js';
import { CallRecorder, describeCall, RecentCalls } from './recent-calls.js';
import { realClock } from '../../cluster/index.js';

function metadataOf(clientId: string, requestId: string): Metadata {
  const metadata = new Metadata();
  metadata.set(metadataKeys.clientId, clientId);
  metadata.set(metadataKeys.requestId, requestId);
  return metadata;
}

describe('CallRecorder', () => {
  it('records ids and outcome once, keeps the newest calls, and logs only INTERNAL endings', () => {
    const lines: string[] = [];
    const recorder = new CallRecorder(new RecentCalls(2), (line) => lines.push(line), realClock);
    const first = recorder.start('/faultline.bank.v1.Branch/Deposit', metadataOf('c1', 'r1'));
    recorder.finish(first, status.OK, '');
    recorder.finish(first, status.INTERNAL, 'too late: a call ends once');
    const second = recorder.start('/faultline.bank.v1.Branch/Query', metadataOf('c2', ''));
    const third = recorder.start('/faultline.bank.v1.Branch/Withdraw', metadataOf('c3', 'r3'));
    recorder.finish(third, status.INTERNAL, 'the store is closed');
    expect(recorder.recent.list().map((record) => [record.method.split('/').at(-1), record.clientId, record.code]))
      .toEqual([['Query', 'c2', undefined], ['Withdraw', 'c3', status.INTERNAL]]);
    expect(describeCall(second)).toBe('/faultline.bank.v1.Branch/Query client=c2 request=- running');
    expect(lines).toEqual([expect.stringMatching(/^internal error: \/faultline.bank.v1.Branch\/Withdraw client=c3 request=r3 INTERNAL in \d+ ms: the store is closed$/)]);
  });
});
