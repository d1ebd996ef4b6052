/**
 * Topic admin: create, delete, list, describe, add partitions. Create, delete and add
 * partitions go to the controller named by metadata (a broker that is not the controller
 * answers NOT_CONTROLLER, and the topic is retried after a fresh look at metadata);
 * list and describe are Metadata requests to any broker.
 */
import { ApiKey, type CreatePartitions, type CreateTopics, type DeleteTopics, type Metadata } from '@samsa/protocol';
import { SamsaClientError, type KafkaProtocolError } from '../errors.js';
import type { AdminContext } from './context.js';
import { errorOf, giveUpAs, outcome } from './results.js';

/** Kafka's Uuid.ZERO_UUID, printed: "no topic id" (validateOnly, or a broker before topic ids). */
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** CreateTopics takes -1 for "the broker's default" partitions and replication factor from v4. */
const BROKER_DEFAULTS_VERSION = 4;

export interface NewTopic {
  topic: string;
  /** -1 or absent: the broker's num.partitions (needs CreateTopics v4+, Kafka 2.4+). */
  numPartitions?: number;
  /** -1 or absent: the broker's default.replication.factor (v4+). */
  replicationFactor?: number;
  configs?: Record<string, string>;
  /** Replicas per partition, by partition index (instead of numPartitions/replicationFactor). */
  replicaAssignment?: Record<number, number[]>;
}

export interface CreateTopicsOptions {
  validateOnly?: boolean;
  timeoutMs?: number;
}

export interface CreateTopicResult {
  topic: string;
  error: KafkaProtocolError | null;
  topicId: string | null;
  /** As the broker made it; -1 when the broker does not say (CreateTopics before v5). */
  numPartitions: number;
  replicationFactor: number;
  /** The topic's settings as created (v5+), else null. */
  configs: Array<{ name: string; value: string | null; readOnly: boolean; isSensitive: boolean }> | null;
}

export interface TopicResult {
  topic: string;
  error: KafkaProtocolError | null;
}

export interface TopicListing {
  topic: string;
  topicId: string | null;
  isInternal: boolean;
  partitions: number;
}

export interface PartitionDescription {
  partition: number;
  /** The leader's broker id, -1 when there is none. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  /** Replicas on brokers that are not alive. */
  offlineReplicas: number[];
  /** LEADER_NOT_AVAILABLE and the like; the replica lists are still filled in. */
  error: KafkaProtocolError | null;
}

export interface TopicDescription {
  topic: string;
  topicId: string | null;
  isInternal: boolean;
  error: KafkaProtocolError | null;
  partitions: PartitionDescription[];
}

const orNull = (id: string | undefined): string | null => (id && id !== ZERO_UUID ? id : null);

function checkNames(names: readonly string[], what: string): void {
  for (const n of names) if (typeof n !== 'string' || n.length === 0) throw new SamsaClientError('INVALID_ARGUMENT', `${what}: a topic name must be a non-empty string, got ${JSON.stringify(n)}`);
}

export async function createTopics(ctx: AdminContext, topics: readonly NewTopic[], options: CreateTopicsOptions = {}): Promise<CreateTopicResult[]> {
  checkNames(topics.map((t) => t.topic), 'createTopics');
  const deadline = ctx.deadline(options.timeoutMs);
  const byName = new Map(topics.map((t) => [t.topic, t]));
  const failed = (topic: string, error: KafkaProtocolError): CreateTopicResult => ({ topic, error, topicId: null, numPartitions: -1, replicationFactor: -1, configs: null });
  const results = await ctx.retryItems(
    'createTopics',
    deadline,
    topics.map((t) => t.topic),
    async (pending) => {
      const conn = await ctx.controller(deadline);
      const v = conn.version(ApiKey.CreateTopics);
      const needsDefaults = pending.find((name) => !byName.get(name)!.replicaAssignment && (byName.get(name)!.numPartitions === undefined || byName.get(name)!.replicationFactor === undefined));
      if (needsDefaults !== undefined && v < BROKER_DEFAULTS_VERSION) {
        throw new SamsaClientError('UNSUPPORTED_VERSION', `topic ${needsDefaults}: the broker's default partitions and replication factor need CreateTopics v4 (Kafka 2.4); the broker speaks up to v${v}, so give numPartitions and replicationFactor`);
      }
      const req: CreateTopics.CreateTopicsRequestInput = {
        topics: pending.map((name) => {
          const t = byName.get(name)!;
          const assignment = Object.entries(t.replicaAssignment ?? {}).map(([p, brokerIds]) => ({ partitionIndex: Number(p), brokerIds: [...brokerIds] }));
          return {
            name,
            numPartitions: t.numPartitions ?? -1,
            replicationFactor: t.replicationFactor ?? -1,
            assignments: assignment,
            configs: Object.entries(t.configs ?? {}).map(([k, value]) => ({ name: k, value: String(value) })),
          };
        }),
        timeoutMs: Math.max(0, deadline - Date.now()),
        validateOnly: options.validateOnly ?? false,
      };
      const res = await ctx.send<CreateTopics.CreateTopicsResponse>(conn, ApiKey.CreateTopics, req, deadline);
      return new Map(
        res.topics.map((r) => [
          r.name,
          outcome(r.errorCode, r.errorMessage, (error) => ({
            topic: r.name,
            error,
            topicId: orNull(r.topicId),
            numPartitions: r.numPartitions,
            replicationFactor: r.replicationFactor,
            configs: r.configs?.map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, isSensitive: c.isSensitive })) ?? null,
          })),
        ]),
      );
    },
    giveUpAs(failed),
  );
  return topics.map((t) => results.get(t.topic)!);
}

export async function deleteTopics(ctx: AdminContext, names: readonly string[], options: { timeoutMs?: number } = {}): Promise<TopicResult[]> {
  checkNames(names, 'deleteTopics');
  const deadline = ctx.deadline(options.timeoutMs);
  const results = await ctx.retryItems(
    'deleteTopics',
    deadline,
    names,
    async (pending) => {
      const conn = await ctx.controller(deadline);
      const v = conn.version(ApiKey.DeleteTopics);
      const timeoutMs = Math.max(0, deadline - Date.now());
      const req: DeleteTopics.DeleteTopicsRequestInput = v >= 6 ? { topics: pending.map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs } : { topicNames: pending, timeoutMs };
      const res = await ctx.send<DeleteTopics.DeleteTopicsResponse>(conn, ApiKey.DeleteTopics, req, deadline);
      return new Map(res.responses.map((r) => [r.name ?? '', outcome(r.errorCode, r.errorMessage, (error) => ({ topic: r.name ?? '', error }))]));
    },
    giveUpAs((topic: string, error) => ({ topic, error })),
  );
  return names.map((n) => results.get(n)!);
}

export async function listTopics(ctx: AdminContext, options: { listInternal?: boolean; timeoutMs?: number } = {}): Promise<TopicListing[]> {
  const deadline = ctx.deadline(options.timeoutMs);
  const res = await ctx.retry('listTopics', deadline, () => ctx.metadata(null, deadline));
  return res.topics
    .filter((t) => t.name !== null && t.errorCode === 0 && (options.listInternal || !t.isInternal))
    .map((t) => ({ topic: t.name!, topicId: orNull(t.topicId), isInternal: t.isInternal, partitions: t.partitions.length }))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}

function describe(t: Metadata.MetadataResponseTopic, error: KafkaProtocolError | null): TopicDescription {
  return {
    topic: t.name ?? '',
    topicId: orNull(t.topicId),
    isInternal: t.isInternal,
    error,
    partitions: t.partitions
      .map((p) => ({
        partition: p.partitionIndex,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: [...p.replicaNodes],
        isr: [...p.isrNodes],
        offlineReplicas: [...p.offlineReplicas],
        error: errorOf(p.errorCode),
      }))
      .sort((a, b) => a.partition - b.partition),
  };
}

/** Topics with their partitions; no names: every topic (internal ones too, flagged). */
export async function describeTopics(ctx: AdminContext, names?: readonly string[], options: { timeoutMs?: number } = {}): Promise<TopicDescription[]> {
  const deadline = ctx.deadline(options.timeoutMs);
  if (names === undefined) {
    const res = await ctx.retry('describeTopics', deadline, () => ctx.metadata(null, deadline));
    return res.topics.filter((t) => t.name !== null).map((t) => describe(t, errorOf(t.errorCode))).sort((a, b) => (a.topic < b.topic ? -1 : 1));
  }
  checkNames(names, 'describeTopics');
  const results = await ctx.retryItems(
    'describeTopics',
    deadline,
    names,
    async (pending) => {
      const res = await ctx.metadata(pending, deadline);
      return new Map(res.topics.filter((t) => t.name !== null).map((t) => [t.name!, outcome(t.errorCode, null, (error) => describe(t, error))]));
    },
    giveUpAs((topic: string, error) => ({ topic, topicId: null, isInternal: false, error, partitions: [] })),
  );
  return names.map((n) => results.get(n)!);
}

/** Raises each topic's partition count to the number given (Kafka's NewPartitions.increaseTo). */
export async function createPartitions(ctx: AdminContext, counts: Record<string, number>, options: CreateTopicsOptions = {}): Promise<TopicResult[]> {
  const names = Object.keys(counts);
  checkNames(names, 'createPartitions');
  for (const [t, n] of Object.entries(counts)) if (!Number.isInteger(n) || n < 1) throw new SamsaClientError('INVALID_ARGUMENT', `createPartitions: the count for ${t} must be a positive integer, got ${n}`);
  const deadline = ctx.deadline(options.timeoutMs);
  const results = await ctx.retryItems(
    'createPartitions',
    deadline,
    names,
    async (pending) => {
      const conn = await ctx.controller(deadline);
      const req: CreatePartitions.CreatePartitionsRequestInput = {
        topics: pending.map((name) => ({ name, count: counts[name]!, assignments: null })),
        timeoutMs: Math.max(0, deadline - Date.now()),
        validateOnly: options.validateOnly ?? false,
      };
      const res = await ctx.send<CreatePartitions.CreatePartitionsResponse>(conn, ApiKey.CreatePartitions, req, deadline);
      return new Map(res.results.map((r) => [r.name, outcome(r.errorCode, r.errorMessage, (error) => ({ topic: r.name, error }))]));
    },
    giveUpAs((topic: string, error) => ({ topic, error })),
  );
  return names.map((n) => results.get(n)!);
}
