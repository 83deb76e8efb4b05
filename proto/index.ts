// proto: its one public face; other folders import from here. channel.ts holds the bank's wire
// conventions beside its messages: the channel and server options and the metadata keys. etcd's two packages come as namespaces,
// named as etcd names them, because their generated helpers share names with the bank's.
export * from './gen/bank.js';
export * as etcdserverpb from './gen/etcd/rpc.js';
export * as v3lockpb from './gen/etcd/v3lock.js';
export * from './channel.js';
