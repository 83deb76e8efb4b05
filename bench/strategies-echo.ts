// The echo service of the bench's ceiling: one unary method whose bytes go out as they came in, so the
// server does the least grpc-js allows. Shared by the echo server process and the bench's clients.
import type { ServiceDefinition } from '@grpc/grpc-js';

const identity = (bytes: Buffer): Buffer => bytes;

export const echoService: ServiceDefinition = {
  echo: {
    path: '/faultline.bench.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
