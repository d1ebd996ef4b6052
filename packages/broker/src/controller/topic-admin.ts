/**
 * Topic creation, deletion, partition growth and config changes, written to the metadata
 * store as compare-and-swap transactions so two brokers racing on the same topic cannot
 * both win. Any broker may run these: the store, not a broker, is the arbiter. They write
 * topic records (replica assignments) only; partition states (leader, ISR) are written by
 * the controller alone, which sees the new record and elects each partition's first leader.
 * So CreateTopics needs no routing to the controller and never answers NOT_CONTROLLER.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, SamsaError } from '@samsa/protocol';
import { TOPIC_CONFIG_BY_NAME, validateTopicConfig } from '../config/topic-config.js';
import type { ClusterMetadata } from '../metadata/cluster-metadata.js';
import { Keys, type TopicRecord } from '../metadata/keys.js';
import type { MetadataStore, TxnOp } from '../metadata/store.js';
import { assignReplicas } from './replica-assignment.js';

export const TOPIC_NAME_MAX_LENGTH = 249;

/** An admin failure with the Kafka error code the handler returns. */
export class AdminError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function validateTopicName(name: string): void {
  if (name.length === 0) throw new AdminError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'topic name is empty');
  if (name === '.' || name === '..') throw new AdminError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name cannot be "${name}"`);
  if (name.length > TOPIC_NAME_MAX_LENGTH) {
    throw new AdminError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name is ${name.length} characters; the limit is ${TOPIC_NAME_MAX_LENGTH}`);
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    throw new AdminError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name ${JSON.stringify(name)} may contain only ASCII letters, digits, '.', '_' and '-'`);
  }
}

export function newTopicId(): string {
  return randomBytes(16).toString('base64url');
}

export interface CreateTopicSpec {
  name: string;
  /** -1 for the broker default. */
  numPartitions: number;
  /** -1 for the broker default. */
  replicationFactor: number;
  /** Explicit assignment: replicas per partition (overrides the counts). */
  assignments?: number[][];
  configs?: ReadonlyMap<string, string>;
  internal?: boolean;
}

export interface TopicDefaults {
  numPartitions: number;
  replicationFactor: number;
}

/**
 * How long a write waits for this broker's metadata view to show it: callers read the view
 * right after (awaitLocalPartitions, the next Metadata request), and etcd's watch is asynchronous.
 */
const VIEW_CATCH_UP_MS = 10_000;

export class TopicAdmin {
  constructor(
    private readonly store: MetadataStore,
    private readonly metadata: ClusterMetadata,
    private readonly defaults: TopicDefaults,
  ) {}

  private liveBrokers(): number[] {
    return [...this.metadata.brokers.keys()].sort((a, b) => a - b);
  }

  /** Checks a creation and returns the replica assignment it would use; throws AdminError. */
  plan(spec: CreateTopicSpec): number[][] {
    validateTopicName(spec.name);
    if (this.metadata.topic(spec.name)) throw new AdminError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${spec.name} already exists`);
    for (const [k, v] of spec.configs ?? []) {
      if (!TOPIC_CONFIG_BY_NAME.has(k)) throw new AdminError(ErrorCode.INVALID_CONFIG, `unknown topic config ${k}`);
      try {
        validateTopicConfig(k, v);
      } catch (e) {
        throw new AdminError(ErrorCode.INVALID_CONFIG, (e as SamsaError).message);
      }
    }
    const live = this.liveBrokers();
    if (spec.assignments && spec.assignments.length > 0) {
      for (const [i, replicas] of spec.assignments.entries()) {
        if (replicas.length === 0) throw new AdminError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${i} has no replicas`);
        if (new Set(replicas).size !== replicas.length) throw new AdminError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${i} repeats a replica`);
        const unknown = replicas.find((b) => !live.includes(b));
        if (unknown !== undefined) throw new AdminError(ErrorCode.BROKER_NOT_AVAILABLE, `partition ${i}: broker ${unknown} is not registered`);
      }
      return spec.assignments;
    }
    const partitions = spec.numPartitions === -1 ? this.defaults.numPartitions : spec.numPartitions;
    const rf = spec.replicationFactor === -1 ? this.defaults.replicationFactor : spec.replicationFactor;
    if (partitions < 1) throw new AdminError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${partitions}`);
    if (partitions > 100_000) throw new AdminError(ErrorCode.INVALID_PARTITIONS, `number of partitions ${partitions} exceeds the limit of 100000`);
    if (rf < 1) throw new AdminError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor must be at least 1, got ${rf}`);
    if (rf > live.length) {
      throw new AdminError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${rf} is larger than the ${live.length} available broker(s)`);
    }
    return assignReplicas(
      live.map((id) => ({ id, rack: this.metadata.brokers.get(id)?.rack ?? null })),
      partitions,
      rf,
    );
  }

  /** Creates the topic; resolves once the store holds it. Returns the topic id. */
  async create(spec: CreateTopicSpec): Promise<string> {
    const replicas = this.plan(spec);
    const topicId = newTopicId();
    const record: TopicRecord = { topicId, replicas, ...(spec.internal ? { internal: true } : {}) };
    const ops: TxnOp[] = [{ type: 'put', key: Keys.topic(spec.name), value: JSON.stringify(record) }];
    if (spec.configs && spec.configs.size > 0) {
      const configs = Object.fromEntries([...spec.configs].map(([k, v]) => [k, validateTopicConfig(k, v)]));
      ops.push({ type: 'put', key: Keys.topicConfig(spec.name), value: JSON.stringify(configs) });
    }
    const result = await this.store.txn([{ key: Keys.topic(spec.name), modRevision: 0 }], ops);
    if (!result.succeeded) throw new AdminError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${spec.name} already exists`);
    await this.metadata.awaitRevision(result.revision, VIEW_CATCH_UP_MS);
    return topicId;
  }

  async delete(name: string): Promise<void> {
    // A lost race with the controller's state writes is retried; a lost race with another
    // admin change is reported.
    for (let attempt = 0; attempt < 5; attempt++) if (await this.tryDelete(name)) return;
    throw new AdminError(ErrorCode.CONCURRENT_TRANSACTIONS, `topic ${name} changed while being deleted; retry`);
  }

  private async tryDelete(name: string): Promise<boolean> {
    const current = await this.store.get(Keys.topic(name));
    if (!current) throw new AdminError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name} does not exist`);
    const parts = await this.store.list(Keys.partitionsPrefix(name));
    const ops: TxnOp[] = [
      { type: 'delete', key: Keys.topic(name) },
      { type: 'delete', key: Keys.topicConfig(name) },
      ...parts.map((kv) => ({ type: 'delete' as const, key: kv.key })),
    ];
    // The controller may write a partition's first state at any moment: compare every
    // partition key too, so none is left behind without its topic.
    const record = JSON.parse(current.value) as TopicRecord;
    const revisions = new Map(parts.map((kv) => [kv.key, kv.modRevision]));
    const compares = [
      { key: Keys.topic(name), modRevision: current.modRevision },
      ...record.replicas.map((_, i) => ({ key: Keys.partition(name, i), modRevision: revisions.get(Keys.partition(name, i)) ?? 0 })),
    ];
    const result = await this.store.txn(compares, ops);
    if (result.succeeded) await this.metadata.awaitRevision(result.revision, VIEW_CATCH_UP_MS);
    return result.succeeded;
  }

  /** Grows a topic to `count` partitions. */
  async createPartitions(name: string, count: number, assignments: number[][] | null, validateOnly: boolean): Promise<void> {
    const current = await this.store.get(Keys.topic(name));
    if (!current) throw new AdminError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name} does not exist`);
    const record = JSON.parse(current.value) as TopicRecord;
    const have = record.replicas.length;
    if (count < have) throw new AdminError(ErrorCode.INVALID_PARTITIONS, `topic ${name} has ${have} partitions; the count can only grow`);
    if (count === have) throw new AdminError(ErrorCode.INVALID_PARTITIONS, `topic ${name} already has ${have} partitions`);
    if (count > 100_000) throw new AdminError(ErrorCode.INVALID_PARTITIONS, `number of partitions ${count} exceeds the limit of 100000`);
    const live = this.liveBrokers();
    const rf = record.replicas[0]?.length ?? 1;
    let added: number[][];
    if (assignments && assignments.length > 0) {
      if (assignments.length !== count - have) {
        throw new AdminError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${assignments.length} assignments given for ${count - have} new partitions`);
      }
      added = assignments;
    } else {
      if (rf > live.length) throw new AdminError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${rf} exceeds the ${live.length} live broker(s)`);
      added = assignReplicas(live.map((id) => ({ id, rack: this.metadata.brokers.get(id)?.rack ?? null })), count - have, rf, have);
    }
    if (validateOnly) return;
    const updated: TopicRecord = { ...record, replicas: [...record.replicas, ...added] };
    const ops: TxnOp[] = [{ type: 'put', key: Keys.topic(name), value: JSON.stringify(updated) }];
    const result = await this.store.txn([{ key: Keys.topic(name), modRevision: current.modRevision }], ops);
    if (!result.succeeded) throw new AdminError(ErrorCode.CONCURRENT_TRANSACTIONS, `topic ${name} changed meanwhile; retry`);
    await this.metadata.awaitRevision(result.revision, VIEW_CATCH_UP_MS);
  }

  /** Replaces (incremental: merges) a topic's config overrides. `null` values delete a key. */
  async alterConfigs(name: string, changes: ReadonlyMap<string, string | null>, incremental: boolean, validateOnly: boolean): Promise<void> {
    if (!this.metadata.topic(name)) throw new AdminError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name} does not exist`);
    const current = await this.store.get(Keys.topicConfig(name));
    const next: Record<string, string> = incremental && current ? (JSON.parse(current.value) as Record<string, string>) : {};
    for (const [k, v] of changes) {
      if (!TOPIC_CONFIG_BY_NAME.has(k)) throw new AdminError(ErrorCode.INVALID_CONFIG, `unknown topic config ${k}`);
      if (v === null) delete next[k];
      else {
        try {
          next[k] = validateTopicConfig(k, v);
        } catch (e) {
          throw new AdminError(ErrorCode.INVALID_CONFIG, (e as Error).message);
        }
      }
    }
    if (validateOnly) return;
    const op: TxnOp =
      Object.keys(next).length === 0
        ? { type: 'delete', key: Keys.topicConfig(name) }
        : { type: 'put', key: Keys.topicConfig(name), value: JSON.stringify(next) };
    const result = await this.store.txn([{ key: Keys.topicConfig(name), modRevision: current?.modRevision ?? 0 }], [op]);
    if (!result.succeeded) throw new AdminError(ErrorCode.CONCURRENT_TRANSACTIONS, `configs of ${name} changed meanwhile; retry`);
    await this.metadata.awaitRevision(result.revision, VIEW_CATCH_UP_MS);
  }
}
