// The mutex model (Knossos's `mutex`): acquire takes a free lock, release frees a held one. Knossos
// publishes its etcd and hazelcast lock histories against it. Try it:
// `npx faultline check models/fixtures/mutex-bad.edn`.
import type { Call, HistoryFormat } from './calls.js';
import { HistoryError } from './errors.js';
import type { Decoded, Model, StepResult } from './model.js';

export type MutexInput = { f: 'acquire' } | { f: 'release' };
/** `done` for an op that completed; `unknown` for one that may have taken effect or not. */
export type MutexOutput = { kind: 'done' } | { kind: 'unknown' };

const doneOutput: MutexOutput = { kind: 'done' };
const unknownOutput: MutexOutput = { kind: 'unknown' };

// An op of unknown outcome must be legal in every state (the checker may leave it out): where it
// could not have taken effect, it leaves the lock as it was, as if it never ran.
function step(held: boolean, input: MutexInput, output: MutexOutput): StepResult<boolean> {
  const acquire = input.f === 'acquire';
  if (output.kind === 'unknown') return { ok: true, state: acquire ? true : false };
  return { ok: acquire ? !held : held, state: acquire };
}

function decode(call: Call, _dialect: HistoryFormat): Decoded<MutexInput, MutexOutput> | undefined {
  if (call.f !== 'acquire' && call.f !== 'release') {
    throw new HistoryError(call.line, `the mutex has no '${call.f}' (it has acquire and release)`);
  }
  // A failed acquire or release did not happen (Jepsen's :fail), so it constrains nothing.
  if (call.completion === 'fail') return undefined;
  const unfinished = call.completion === 'info' || call.completion === 'open';
  return { input: { f: call.f }, output: unfinished ? unknownOutput : doneOutput };
}

export function mutexModel(): Model<boolean, MutexInput, MutexOutput> {
  return {
    name: 'mutex',
    init: () => false,
    step,
    equal: (a, b) => a === b,
    hash: (held) => (held ? 1 : 0),
    describeOperation: (input, output) => `${input.f}()${output.kind === 'unknown' ? ' → ?' : ''}`,
    describeState: (held) => (held ? 'held' : 'free'),
    decode,
  };
}
