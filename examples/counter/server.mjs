// The tutorial's counter node, as a user might first write it: it adds locally, answers, and tells its
// peers afterwards without waiting or retrying. Run one by hand:
//   node examples/counter/server.mjs --id n1 --listen 127.0.0.1:7001 --data-dir /tmp/n1
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const { values } = parseArgs({ options: { id: { type: 'string' }, listen: { type: 'string' }, peers: { type: 'string' }, 'data-dir': { type: 'string' } } });
if (values.id === undefined || values.listen === undefined || values['data-dir'] === undefined) {
  process.stderr.write('usage: server.mjs --id ID --listen HOST:PORT --data-dir DIR [--peers ID=HOST:PORT,...]\n');
  process.exit(64);
}

const definition = protoLoader.loadSync(new URL('./counter.proto', import.meta.url).pathname, { keepCase: true, defaults: true });
const { Counter } = grpc.loadPackageDefinition(definition).counter;
// Generous, so that only a fault loses a replication, not a slow machine.
const replicateDeadlineMs = 5_000;

// The value survives kill -9: it is written before every answer.
mkdirSync(values['data-dir'], { recursive: true });
const file = join(values['data-dir'], 'value');
let value = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
function apply(delta) {
  value += delta;
  writeFileSync(file, String(value));
}

const peers = (values.peers ?? '').split(',').filter((entry) => entry.length > 0).map((entry) => {
  const [, address] = entry.split('=');
  return new Counter(address, grpc.credentials.createInsecure());
});

function add(call, callback) {
  apply(call.request.delta);
  callback(null, { value });
  // The bug the lab finds: a peer that misses this never hears of the add again.
  for (const peer of peers) peer.Replicate({ delta: call.request.delta }, { deadline: Date.now() + replicateDeadlineMs }, () => {});
}

function read(_call, callback) {
  callback(null, { value });
}

function replicate(call, callback) {
  apply(call.request.delta);
  callback(null, { value });
}

const server = new grpc.Server();
server.addService(Counter.service, { Add: add, Read: read, Replicate: replicate });
server.bindAsync(values.listen, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error !== null) {
    process.stderr.write(`${values.id}: cannot listen on ${values.listen}: ${error.message}\n`);
    process.exit(1);
  }
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
