// The ceiling for bench/strategies.ts: a raw grpc-js unary echo server in its own process, on a free
// 127.0.0.1 port, with nothing behind it. Prints one listening line; exits on SIGTERM or when stdin closes.
// Try: `node --import tsx bench/strategies-echo-server.ts`.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { serverOptions } from '../proto/index.js';
import { echoService } from './strategies-echo.js';

function echo(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
  return callback(null, call.request);
}

// The branches' own server options, so the ceiling pays what a branch pays per call and no more.
const server = new Server(serverOptions);
server.addService(echoService, { echo });
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) {
    process.stderr.write(`echo server: ${error.message}\n`);
    process.exit(70);
  }
  process.stdout.write(`${JSON.stringify({ event: 'listening', address: `127.0.0.1:${port}`, pid: process.pid })}\n`);
});

const stop = (): void => server.tryShutdown(() => process.exit(0));
process.once('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
