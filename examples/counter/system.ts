// The tutorial's counter as a System: how to start a node (server.mjs), the workload (add and read), a
// client with its own table of definite and indeterminate errors, a counter model, and each node's
// final value. Try it: `npx faultline explore --system ./examples/counter/system.ts --runs 5 --faults heavy`.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import fc from 'fast-check';
import type { NodeContext, NodeState, OpOutcome, System, SystemClient, SystemOp, WorkloadConstraints } from 'faultline/lab';
import type { Model } from 'faultline/models';

const serverPath = fileURLToPath(new URL('./server.mjs', import.meta.url));
const definition = protoLoader.loadSync(fileURLToPath(new URL('./counter.proto', import.meta.url)), { keepCase: true, defaults: true });
type Callback = (error: grpc.ServiceError | null, reply: { value: number }) => void;
interface CounterStub extends grpc.Client {
  Add(request: { delta: number }, options: grpc.CallOptions, callback: Callback): void;
  Read(request: object, options: grpc.CallOptions, callback: Callback): void;
}
const Counter = (grpc.loadPackageDefinition(definition)['counter'] as grpc.GrpcObject)['Counter'] as unknown as new (address: string, credentials: grpc.ChannelCredentials) => CounterStub;

// 1. How a node starts: the lab fills in the id, the address to listen on, the peers' addresses (the
//    proxies of each pair, so a partition cuts them) and a data dir that survives kill -9.
function launch(context: NodeContext): { command: string; args: string[] } {
  const peers = context.peers.map((peer) => `${peer.id}=${peer.address}`).join(',');
  const args = [serverPath, '--id', context.id, '--listen', `${context.listen.host}:${context.listen.port}`, '--data-dir', context.dataDir];
  return { command: process.execPath, args: peers === '' ? args : [...args, '--peers', peers] };
}

function call(stub: CounterStub, f: 'Add' | 'Read', request: object, deadlineMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const callback: Callback = (error, reply) => (error === null ? resolve(reply.value) : reject(error));
    if (f === 'Add') stub.Add(request as { delta: number }, { deadline: Date.now() + deadlineMs }, callback);
    else stub.Read(request, { deadline: Date.now() + deadlineMs }, callback);
  });
}

/** An op the client cannot send; the lab stops the run with one line (exit 65). */
class OpUnencodable extends Error {
  readonly code = 'counter-op-unencodable';
}

// 2. The client: one op on one node, never retried. A read that failed changed nothing (fail); an add
//    that failed may have happened unless the server refused it before doing anything (info).
const definite = new Set([grpc.status.INVALID_ARGUMENT, grpc.status.UNIMPLEMENTED]);

class CounterClient implements SystemClient {
  private readonly stubs = new Map<string, CounterStub>();

  async perform(op: SystemOp, address: string, deadlineMs: number): Promise<OpOutcome> {
    const delta = op.input['delta'];
    if (op.f !== 'add' && op.f !== 'read') throw new OpUnencodable(`the counter has add and read, not '${op.f}'`);
    if (op.f === 'add' && (typeof delta !== 'number' || !Number.isInteger(delta) || Math.abs(delta) > 2 ** 31 - 1)) {
      throw new OpUnencodable(`add needs an int32 delta, got ${JSON.stringify(delta)}`);
    }
    let stub = this.stubs.get(address);
    if (stub === undefined) this.stubs.set(address, (stub = new Counter(address, grpc.credentials.createInsecure())));
    try {
      const value = await call(stub, op.f === 'add' ? 'Add' : 'Read', op.f === 'add' ? { delta } : {}, deadlineMs);
      return { type: 'ok', value: { ...op.input, value } };
    } catch (error) {
      const code = (error as grpc.ServiceError).code;
      const type = op.f === 'read' || definite.has(code) ? 'fail' : 'info';
      return { type, value: { ...op.input }, error: grpc.status[code] ?? String(error) };
    }
  }

  async close(): Promise<void> {
    for (const stub of this.stubs.values()) stub.close();
    this.stubs.clear();
  }
}

// 3. The model: what a single correct counter would answer. A read must see every add that completed
//    before it began; an add whose outcome is unknown may have happened at any later time, or never.
type CounterInput = { f: 'add'; delta: number } | { f: 'read' };
type CounterOutput = { value: number } | { unknown: true };

export const counterModel: Model<number, CounterInput, CounterOutput> = {
  name: 'counter',
  init: () => 0,
  step(state, input, output) {
    if (input.f === 'add') return { ok: true, state: state + input.delta };
    return { ok: 'unknown' in output || output.value === state, state };
  },
  readOnly: (input) => input.f === 'read',
  describeOperation: (input, output) => (input.f === 'add' ? `add(${input.delta})` : `read() -> ${'value' in output ? output.value : '?'}`),
  describeState: (state) => String(state),
  decode(call) {
    const invoke = call.invoke as { delta?: number };
    if (call.f === 'add') {
      if (call.completion === 'fail') return undefined;
      return { input: { f: 'add', delta: invoke.delta ?? 0 }, output: { unknown: true } };
    }
    if (call.completion !== 'ok') return undefined;
    return { input: { f: 'read' }, output: { value: (call.value as { value: number }).value } };
  },
};

// 4. The workload: each client's ops as fast-check draws and shrinks them.
function ops(constraints: WorkloadConstraints): fc.Arbitrary<Omit<SystemOp, 'client' | 'node' | 'retries'>[]> {
  const op = fc.oneof(fc.integer({ min: 1, max: 5 }).map((delta) => ({ f: 'add', input: { delta } })), fc.constant({ f: 'read', input: {} }));
  return fc.array(op, { minLength: 1, maxLength: Math.max(1, Math.ceil(constraints.opsMax / constraints.clients)) });
}

// 5. The final state of each node, read straight from it after the heal.
async function finalStates(addresses: Record<string, string>, deadlineMs: number): Promise<NodeState[]> {
  return Promise.all(Object.entries(addresses).map(async ([node, address]) => {
    const stub = new Counter(address, grpc.credentials.createInsecure());
    try {
      return { node, state: { value: await call(stub, 'Read', {}, deadlineMs) } };
    } catch (error) {
      return { node, state: { error: String(error) } };
    } finally {
      stub.close();
    }
  }));
}

const noClaims = { linearizable: false, conservation: false, nonNegative: false, convergence: false, liveness: false, exactlyOnce: false, noDeadLetters: false, resolvesUnknownByAppliedSet: false };

export const system: System = {
  name: 'counter',
  nodeIds: (count) => Array.from({ length: count }, (_, index) => `n${index + 1}`),
  peerLinks: 'pair',
  launch,
  readiness: { kind: 'probe', ready: (address, deadlineMs) => finalStates({ n: address }, deadlineMs).then(([state]) => state !== undefined && !('error' in state.state)) },
  stopGraceMs: 1_000,
  workloads: {
    counter: { name: 'counter', ops, model: () => counterModel, claims: { ...noClaims, linearizable: true, convergence: true } },
  },
  client: () => new CounterClient(),
  finalStates,
  converged: (states) => {
    if (states.some((state) => 'error' in state.state)) return 'unknown';
    return new Set(states.map((state) => state.state['value'])).size <= 1 ? 'ok' : 'illegal';
  },
};
