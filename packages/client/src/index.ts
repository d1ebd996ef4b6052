export { Producer, type ProducerRecord, type ProducerOptions } from './producer/producer.js';
export { PRODUCER_DEFAULTS, type ProducerConfig, type ProducerSettings } from './producer/producer-config.js';
export type { RecordMetadata, DeliveryCallback } from './producer/producer-batch.js';
export type { Bytes, HeadersInput, RecordHeaders } from './producer/record-encoding.js';
export { Consumer, type Batch, type RunHandlers } from './consumer/consumer.js';
export type { ConsumerOptions, OffsetsToCommit, CommitCallback } from './consumer/consumer-core.js';
export { CONSUMER_DEFAULTS, type ConsumerConfig, type ConsumerSettings, type AutoOffsetReset } from './consumer/consumer-config.js';
export type { ConsumerRecord, TopicPartition, OffsetAndMetadata, CommittedOffset, RebalanceListener } from './consumer/types.js';
export type { SubscriptionInfo } from './consumer/assignors/assignor.js';
export { SamsaClientError, KafkaProtocolError, type ClientErrorCode } from './errors.js';
export { BrokerConnection, type ConnectionOptions } from './connection/connection.js';
export { BrokerPool, parseBootstrap, type BrokerAddress } from './connection/broker-pool.js';
export { MetadataManager } from './metadata/metadata-manager.js';
export { backoffMs, type Backoff } from './util/backoff.js';
export { Admin, type AdminOptions } from './admin/admin.js';
export { ADMIN_DEFAULTS, type AdminConfig, type AdminSettings } from './admin/admin-config.js';
export type { NewTopic, CreateTopicsOptions, CreateTopicResult, TopicResult, TopicListing, TopicDescription, PartitionDescription } from './admin/topics.js';
export type { ConfigResource, ResourceType, ConfigEntry, ConfigSource, ConfigType, AlterConfigOp, AlterOptions, DescribeConfigsOptions, DescribeConfigsResult, ConfigResourceResult } from './admin/configs.js';
export type { OffsetSpec, ListOffsetsOptions, ListedOffset, DeletedRecords } from './admin/offsets.js';
export type { GroupListing, GroupDescription, MemberDescription, GroupResult, TopicPartitions } from './admin/groups.js';
export type { GroupOffset, PartitionResult } from './admin/group-offsets.js';
export type { ResetSpec, ResetTarget, ResetOffset } from './admin/reset-offsets.js';
export type { ClusterDescription, BrokerDescription } from './admin/cluster.js';
export type { ElectionType, ElectionResult, PartitionReassignment, ReassignmentResult, OngoingReassignment } from './admin/controller-ops.js';
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
  type TopicPartitions as PartitionsByTopic,
} from './consumer/assignors/index.js';
export { ParallelConsumer, type ParallelConsumerOptions, type ParallelConsumerStats } from './patterns/parallel-consumer.js';
export { CompletionTracker } from './patterns/completion-tracker.js';
export { KeyQueues, queueIndexOf, recordBytes, type QueuedRecord, type KeyQueuesHooks } from './patterns/key-queues.js';
export { MemoryDedupStore, type DedupStore, type MemoryDedupStoreOptions } from './patterns/dedup-store.js';
export { RedisDedupStore, type RedisCommand, type RedisCommander, type RedisDedupStoreOptions } from './patterns/redis-dedup-store.js';
export { SqliteDedupStore, type SqliteDatabase, type SqliteStatement, type SqlDedupStoreOptions } from './patterns/sqlite-dedup-store.js';
export { PostgresDedupStore, type PgPoolLike, type PgQueryable } from './patterns/postgres-dedup-store.js';
export { idempotent, messageIdOf, recordOrigin, headerValue, type IdempotentOptions, type MessageIdSource } from './patterns/idempotent.js';
export { DLT_HEADERS } from './patterns/dead-letter-headers.js';
export { withDeadLetter, deadLetterTopic, type DeadLetterOptions } from './patterns/dead-letter.js';
export { RedriveWorker, originalRecord, type RedriveOptions } from './patterns/redrive.js';
