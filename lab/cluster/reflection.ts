// A small gRPC server-reflection client (grpc.reflection.v1), enough to list a node's services and
// fetch the file descriptor that defines a symbol, as grpcurl would. Try: `await listServices(address)`.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import type { ClientDuplexStream, GrpcObject, ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { channelOptions } from '../../proto/index.js';

interface ReflectionRequest {
  list_services?: string;
  file_containing_symbol?: string;
}

interface ReflectionResponse {
  message_response: 'list_services_response' | 'file_descriptor_response' | 'error_response' | string;
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

interface ReflectionClient {
  serverReflectionInfo(options: { deadline: number }): ClientDuplexStream<ReflectionRequest, ReflectionResponse>;
  close(): void;
}

const reflectionDeadlineMs = 5_000;
let constructorCache: ServiceClientConstructor | undefined;

/** The reflection proto that ships inside @grpc/reflection, loaded once. */
function reflectionClientConstructor(): ServiceClientConstructor {
  if (constructorCache !== undefined) return constructorCache;
  const require = createRequire(import.meta.url);
  const packageRoot = dirname(require.resolve('@grpc/reflection/package.json'));
  const definition = loadSync(join(packageRoot, 'build', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto'), {
    keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true,
  });
  const grpcPackage = (loadPackageDefinition(definition).grpc as GrpcObject).reflection as GrpcObject;
  constructorCache = (grpcPackage.v1 as GrpcObject).ServerReflection as ServiceClientConstructor;
  return constructorCache;
}

/** Sends each request on one reflection stream and returns the answers in order. */
export async function reflect(address: string, requests: ReflectionRequest[]): Promise<ReflectionResponse[]> {
  const Constructor = reflectionClientConstructor();
  const client = new Constructor(address, credentials.createInsecure(), channelOptions) as unknown as ReflectionClient;
  const stream = client.serverReflectionInfo({ deadline: Date.now() + reflectionDeadlineMs });
  try {
    const responses: ResponseQueue = responseQueue(stream);
    const answers: ReflectionResponse[] = [];
    for (const request of requests) {
      stream.write(request);
      answers.push(await responses.next());
    }
    return answers;
  } finally {
    stream.end();
    stream.cancel();
    client.close();
  }
}

interface ResponseQueue {
  next(): Promise<ReflectionResponse>;
}

function responseQueue(stream: ClientDuplexStream<ReflectionRequest, ReflectionResponse>): ResponseQueue {
  const ready: ReflectionResponse[] = [];
  const waiting: { resolve: (response: ReflectionResponse) => void; reject: (error: Error) => void }[] = [];
  let failure: Error | undefined;
  stream.on('data', (response: ReflectionResponse) => {
    const waiter = waiting.shift();
    if (waiter === undefined) ready.push(response);
    else waiter.resolve(response);
  });
  const fail = (error: Error): void => {
    failure = error;
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  };
  stream.on('error', fail);
  stream.on('end', () => fail(new Error('the reflection stream ended early')));
  return {
    next: () => {
      const response = ready.shift();
      if (response !== undefined) return Promise.resolve(response);
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}

export async function listServices(address: string): Promise<string[]> {
  const [answer] = await reflect(address, [{ list_services: '' }]);
  if (answer?.list_services_response === undefined) throw new Error(`list_services got ${describe(answer)}`);
  return answer.list_services_response.service.map((service) => service.name);
}

/** The serialized FileDescriptorProtos (the file and its dependencies) that define symbol. */
export async function fileContainingSymbol(address: string, symbol: string): Promise<Buffer[]> {
  const [answer] = await reflect(address, [{ file_containing_symbol: symbol }]);
  if (answer?.file_descriptor_response === undefined) throw new Error(`file_containing_symbol got ${describe(answer)}`);
  return answer.file_descriptor_response.file_descriptor_proto;
}

function describe(answer: ReflectionResponse | undefined): string {
  if (answer?.error_response !== undefined) return `error ${answer.error_response.error_code}: ${answer.error_response.error_message}`;
  return answer === undefined ? 'no answer' : `a ${answer.message_response}`;
}
