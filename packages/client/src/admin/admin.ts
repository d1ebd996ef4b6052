/**
 * The admin client: Kafka's Admin API with promises and plain objects.
 *
 *   const admin = new Admin({ 'bootstrap.servers': '127.0.0.1:9092' });
 *   const [r] = await admin.createTopics([{ topic: 'events', numPartitions: 6, replicationFactor: 3 }]);
 *   if (r.error) console.error(r.error.type);            // TOPIC_ALREADY_EXISTS, ...
 *   const lag = await admin.listConsumerGroupOffsets('billing');
 *   await admin.close();
 *
 * Calls about several items (topics, groups, partitions, config resources) resolve with one
 * result per item, in the order given, each with `error: KafkaProtocolError | null`; a call
 * rejects (SamsaClientError) only when the request as a whole fails: no broker reachable
 * before the deadline (API_TIMEOUT), bad arguments (INVALID_ARGUMENT), a version the broker
 * lacks. Calls about one group reject with the group's error. Each call is bounded by its
 * `timeoutMs` option, else default.api.timeout.ms, retries included.
 */
import { closedError } from '../errors.js';
import { parseAdminConfig, type AdminConfig, type AdminSettings } from './admin-config.js';
import { describeCluster, type ClusterDescription } from './cluster.js';
import { alterConfigs, describeConfigs, incrementalAlterConfigs, type AlterConfigOp, type AlterOptions, type ConfigResource, type ConfigResourceResult, type DescribeConfigsOptions, type DescribeConfigsResult } from './configs.js';
import { AdminContext } from './context.js';
import { alterPartitionReassignments, electLeaders, listPartitionReassignments, type ElectionResult, type ElectionType, type OngoingReassignment, type PartitionReassignment, type ReassignmentResult } from './controller-ops.js';
import { CoordinatorLookup } from './coordinator.js';
import { deleteConsumerGroupOffsets, listConsumerGroupOffsets, type GroupOffset, type PartitionResult } from './group-offsets.js';
import { deleteGroups, describeGroups, listGroups, type GroupDescription, type GroupListing, type GroupResult } from './groups.js';
import type { TopicPartition } from './leaders.js';
import { deleteRecords, listOffsets, type DeletedRecords, type ListedOffset, type ListOffsetsOptions, type OffsetSpec } from './offsets.js';
import { resetConsumerGroupOffsets, type ResetOffset, type ResetSpec } from './reset-offsets.js';
import { createPartitions, createTopics, deleteTopics, describeTopics, listTopics, type CreateTopicResult, type CreateTopicsOptions, type NewTopic, type TopicDescription, type TopicListing, type TopicResult } from './topics.js';

export interface AdminOptions {
  /** Seeded randomness for tests (backoff jitter). */
  random?: () => number;
}

interface Timeout {
  timeoutMs?: number;
}

export class Admin {
  private readonly ctx: AdminContext;
  private readonly coordinators: CoordinatorLookup;

  constructor(config: AdminConfig, options: AdminOptions = {}) {
    this.ctx = new AdminContext(parseAdminConfig(config), options.random);
    this.coordinators = new CoordinatorLookup(this.ctx);
  }

  get settings(): Readonly<AdminSettings> {
    return this.ctx.s;
  }

  private run<T>(what: string, call: () => Promise<T>): Promise<T> {
    if (this.ctx.closed) return Promise.reject(closedError(what));
    return call();
  }

  createTopics(topics: readonly NewTopic[], options?: CreateTopicsOptions): Promise<CreateTopicResult[]> {
    return this.run('createTopics', () => createTopics(this.ctx, topics, options));
  }

  deleteTopics(topics: readonly string[], options?: Timeout): Promise<TopicResult[]> {
    return this.run('deleteTopics', () => deleteTopics(this.ctx, topics, options));
  }

  listTopics(options?: { listInternal?: boolean } & Timeout): Promise<TopicListing[]> {
    return this.run('listTopics', () => listTopics(this.ctx, options));
  }

  /** The named topics (all topics when none are named) with leaders, replicas, ISR and offline replicas. */
  describeTopics(topics?: readonly string[], options?: Timeout): Promise<TopicDescription[]> {
    return this.run('describeTopics', () => describeTopics(this.ctx, topics, options));
  }

  /** Raises partition counts: `{ events: 12 }` makes events have 12 partitions. */
  createPartitions(counts: Record<string, number>, options?: CreateTopicsOptions): Promise<TopicResult[]> {
    return this.run('createPartitions', () => createPartitions(this.ctx, counts, options));
  }

  describeConfigs(resources: readonly ConfigResource[], options?: DescribeConfigsOptions): Promise<DescribeConfigsResult[]> {
    return this.run('describeConfigs', () => describeConfigs(this.ctx, resources, options));
  }

  incrementalAlterConfigs(changes: ReadonlyArray<ConfigResource & { ops: readonly AlterConfigOp[] }>, options?: AlterOptions): Promise<ConfigResourceResult[]> {
    return this.run('incrementalAlterConfigs', () => incrementalAlterConfigs(this.ctx, changes, options));
  }

  /** Replaces every dynamic setting of each resource (those left out return to their defaults); prefer incrementalAlterConfigs. */
  alterConfigs(changes: ReadonlyArray<ConfigResource & { configs: Record<string, string> }>, options?: AlterOptions): Promise<ConfigResourceResult[]> {
    return this.run('alterConfigs', () => alterConfigs(this.ctx, changes, options));
  }

  listOffsets(requests: ReadonlyArray<TopicPartition & { spec: OffsetSpec }>, options?: ListOffsetsOptions): Promise<ListedOffset[]> {
    return this.run('listOffsets', () => listOffsets(this.ctx, requests, options));
  }

  deleteRecords(requests: ReadonlyArray<TopicPartition & { beforeOffset: number }>, options?: Timeout): Promise<DeletedRecords[]> {
    return this.run('deleteRecords', () => deleteRecords(this.ctx, requests, options));
  }

  listGroups(options?: { states?: string[]; types?: string[] } & Timeout): Promise<GroupListing[]> {
    return this.run('listGroups', () => listGroups(this.ctx, options));
  }

  describeGroups(groupIds: readonly string[], options?: Timeout): Promise<GroupDescription[]> {
    return this.run('describeGroups', () => describeGroups(this.ctx, this.coordinators, groupIds, options));
  }

  deleteGroups(groupIds: readonly string[], options?: Timeout): Promise<GroupResult[]> {
    return this.run('deleteGroups', () => deleteGroups(this.ctx, this.coordinators, groupIds, options));
  }

  /** Committed offsets (of `partitions`, else all the group has) with each partition's log end and lag. */
  listConsumerGroupOffsets(groupId: string, partitions?: readonly TopicPartition[], options?: Timeout): Promise<GroupOffset[]> {
    return this.run('listConsumerGroupOffsets', () => listConsumerGroupOffsets(this.ctx, this.coordinators, groupId, partitions, options));
  }

  /** Moves an inactive group's offsets (GROUP_NOT_EMPTY while it has members); `dryRun` only computes them. */
  resetConsumerGroupOffsets(groupId: string, spec: ResetSpec, options?: { dryRun?: boolean } & Timeout): Promise<ResetOffset[]> {
    return this.run('resetConsumerGroupOffsets', () => resetConsumerGroupOffsets(this.ctx, this.coordinators, groupId, spec, options));
  }

  deleteConsumerGroupOffsets(groupId: string, partitions: readonly TopicPartition[], options?: Timeout): Promise<PartitionResult[]> {
    return this.run('deleteConsumerGroupOffsets', () => deleteConsumerGroupOffsets(this.ctx, this.coordinators, groupId, partitions, options));
  }

  /**
   * Elects leaders on the controller: 'preferred' puts each partition's first replica in AR
   * back in charge (when it is alive and in the ISR); 'unclean' elects for partitions with
   * no live leader, possibly losing records. `partitions` null: every partition.
   */
  electLeaders(type: ElectionType, partitions: readonly TopicPartition[] | null = null, options?: Timeout): Promise<ElectionResult[]> {
    return this.run('electLeaders', () => electLeaders(this.ctx, type, partitions, options));
  }

  /** Moves partitions to new replicas (`replicas: null` cancels the move in progress). */
  alterPartitionReassignments(reassignments: readonly PartitionReassignment[], options?: Timeout): Promise<ReassignmentResult[]> {
    return this.run('alterPartitionReassignments', () => alterPartitionReassignments(this.ctx, reassignments, options));
  }

  /** Reassignments in progress (of `partitions`, else all), with the replicas being added and removed. */
  listPartitionReassignments(partitions: readonly TopicPartition[] | null = null, options?: Timeout): Promise<OngoingReassignment[]> {
    return this.run('listPartitionReassignments', () => listPartitionReassignments(this.ctx, partitions, options));
  }

  describeCluster(options?: Timeout): Promise<ClusterDescription> {
    return this.run('describeCluster', () => describeCluster(this.ctx, options));
  }

  /** Fails calls in progress with CLOSED and releases every socket and timer. */
  close(): Promise<void> {
    return this.ctx.close();
  }
}
