export { Broker, type BrokerOptions } from './broker.js';
export { buildBrokerConfig, parseProperties, type BrokerConfig } from './config/broker-config.js';
export { systemClock, ManualClock, type Clock } from './platform/clock.js';
export { silentLogger, type Logger } from './platform/logger.js';
export { EmbeddedMetadataStore } from './metadata/embedded-store.js';
export type { MetadataStore } from './metadata/store.js';
export { StoreLink, type LinkState } from './metadata/store-link.js';
export { PausableTimers } from './platform/timers.js';
export { Keys, type PartitionState, type ControllerRecord, type BrokerRegistration } from './metadata/keys.js';
