export { Broker, type BrokerOptions } from './broker.js';
export { buildBrokerConfig, parseProperties, type BrokerConfig } from './config/broker-config.js';
export { systemClock, ManualClock, type Clock } from './platform/clock.js';
export { silentLogger, type Logger } from './platform/logger.js';
export { EmbeddedMetadataStore } from './metadata/embedded-store.js';
export { EtcdMetadataStore, parseEtcdUrl } from './metadata/etcd-store.js';
export type { KeyValue, Lease, ListResult, MetadataStore, TxnOp, WatchEvent, WatchOptions } from './metadata/store.js';
