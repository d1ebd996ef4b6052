export { Producer, type ProducerRecord, type ProducerOptions } from './producer/producer.js';
export { PRODUCER_DEFAULTS, type ProducerConfig, type ProducerSettings } from './producer/producer-config.js';
export type { RecordMetadata, DeliveryCallback } from './producer/producer-batch.js';
export type { Bytes, HeadersInput, RecordHeaders } from './producer/record-encoding.js';
export { SamsaClientError, KafkaProtocolError, type ClientErrorCode } from './errors.js';
export { BrokerConnection, type ConnectionOptions } from './connection/connection.js';
export { BrokerPool, parseBootstrap, type BrokerAddress } from './connection/broker-pool.js';
export { MetadataManager } from './metadata/metadata-manager.js';
export { backoffMs, type Backoff } from './util/backoff.js';
export {
  ASSIGNORS,
  DEFAULT_ASSIGNMENT_STRATEGY,
  parseAssignmentStrategy,
  rangeAssignor,
  roundRobinAssignor,
  stickyAssignor,
  cooperativeStickyAssignor,
  type PartitionAssignor,
  type MemberSubscription,
  type MemberAssignment,
  type OwnState,
  type TopicPartitions,
} from './consumer/assignors/index.js';
