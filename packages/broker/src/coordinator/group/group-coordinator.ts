/**
 * The group coordinator: consumer groups and their committed offsets, for the groups whose
 * __consumer_offsets partition this broker leads. Every commit and every stable generation
 * is a record appended to that partition (acks=all), and a broker that becomes the
 * partition's leader replays it before serving, so a restart or a failover loses no commit.
 */
import { buildRecordBatch, ErrorCode } from '@samsa/protocol';
import type { BrokerConfig } from '../../config/broker-config.js';
import type { TopicAdmin } from '../../controller/topic-admin.js';
import { AdminError } from '../../controller/topic-admin.js';
import type { ClusterMetadata } from '../../metadata/cluster-metadata.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { Timers } from '../../platform/timers.js';
import type { Partition } from '../../replication/partition.js';
import type { ReplicaManager } from '../../replication/replica-manager.js';
import { ClassicGroup, type GroupLimits } from './classic-group.js';
import { loadOffsetsPartition } from './offsets-loader.js';
import { expiredOffsets } from './offsets-expiry.js';
import { encodeGroupKey, encodeGroupValue, encodeOffsetKey, encodeOffsetValue, type OffsetValue } from './offsets-records.js';
import { partitionFor } from './partition-for.js';
import { waitForReplication } from '../../purgatory/delayed-produce.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const GROUP_ID_MAX_LENGTH = 249;
const OFFSET_METADATA_MAX_BYTES = 4096;
/** offsets.commit.timeout.ms (Kafka's default): how long a commit waits for the ISR. */
const OFFSETS_COMMIT_TIMEOUT_MS = 5_000;

export type OffsetsByPartition = Map<string, Map<number, OffsetValue>>;

/** Per-partition state of this coordinator. */
interface OwnedPartition {
  partition: Partition;
  loaded: boolean;
}

export class GroupCoordinator {
  readonly groups = new Map<string, ClassicGroup>();
  readonly offsets = new Map<string, OffsetsByPartition>();
  private readonly owned = new Map<number, OwnedPartition>();
  private readonly limits: GroupLimits;
  readonly partitionCount: number;
  private readonly retentionMs: number;
  private readonly retentionCheckIntervalMs: number;
  private retentionTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private unwatchTopics: (() => void) | null = null;
  private warnedTooFewBrokers = false;

  constructor(
    private readonly nodeId: number,
    private readonly config: BrokerConfig,
    private readonly metadata: ClusterMetadata,
    private readonly replicaManager: ReplicaManager,
    private readonly topicAdmin: TopicAdmin,
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly log: Logger,
    /** This broker's metadata store is its own (embedded, not shared): it never has peers. */
    private readonly alone = false,
  ) {
    const n = (name: string): number => Number(config.values.get(name));
    this.limits = {
      minSessionTimeoutMs: n('group.min.session.timeout.ms'),
      maxSessionTimeoutMs: n('group.max.session.timeout.ms'),
      initialRebalanceDelayMs: n('group.initial.rebalance.delay.ms'),
      maxSize: n('group.max.size'),
    };
    this.partitionCount = config.offsetsTopicNumPartitions;
    this.retentionMs = n('offsets.retention.minutes') * 60_000;
    this.retentionCheckIntervalMs = n('offsets.retention.check.interval.ms');
  }

  start(): void {
    this.unsubscribe = this.replicaManager.onLeadership({
      becameLeader: (p) => (p.topic === OFFSETS_TOPIC ? this.load(p) : undefined),
      resigned: (p) => (p.topic === OFFSETS_TOPIC ? this.unload(p.index) : undefined),
    });
    this.unwatchTopics = this.metadata.onChange((changed) => void this.removeDeletedTopics(changed));
    this.retentionTimer = setInterval(() => void this.cleanupGroups(), Math.min(this.retentionCheckIntervalMs, 2 ** 31 - 1));
    this.retentionTimer.unref();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unwatchTopics?.();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    for (const index of [...this.owned.keys()]) this.unload(index);
  }

  /** group.min/max.session.timeout.ms: a JoinGroup outside them gets INVALID_SESSION_TIMEOUT. */
  get sessionTimeoutBounds(): { minSessionTimeoutMs: number; maxSessionTimeoutMs: number } {
    return { minSessionTimeoutMs: this.limits.minSessionTimeoutMs, maxSessionTimeoutMs: this.limits.maxSessionTimeoutMs };
  }

  partitionOf(groupId: string): number {
    return partitionFor(groupId, this.partitionCount);
  }

  /**
   * Creates __consumer_offsets on first use, as Kafka does. False while it cannot exist yet
   * (FindCoordinator then answers COORDINATOR_NOT_AVAILABLE, which clients retry).
   */
  async ensureOffsetsTopic(): Promise<boolean> {
    if (!this.metadata.topic(OFFSETS_TOPIC) && !(await this.createOffsetsTopic())) return false;
    // The record alone is not enough: the controller elects the partitions' first leaders
    // just after, and a FindCoordinator racing the creation must wait for them.
    await this.replicaManager.awaitLocalPartitions(OFFSETS_TOPIC, 10_000);
    return true;
  }

  /**
   * offsets.topic.replication.factor, Kafka's rule: the topic is not created while fewer
   * brokers are registered than the factor. Capping it at the live brokers instead would
   * leave a cluster whose first group arrived during a rolling start with an under-replicated
   * offsets topic for good (a topic's replication factor never grows by itself). The one
   * exception: a broker on its own embedded store (a lone `samsa start`) can never have
   * peers, so it uses one replica where Kafka would refuse groups forever.
   */
  private async createOffsetsTopic(): Promise<boolean> {
    const wanted = Number(this.config.values.get('offsets.topic.replication.factor'));
    const live = this.metadata.brokers.size;
    const replicationFactor = this.alone ? Math.min(wanted, Math.max(1, live)) : wanted;
    if (live < replicationFactor) {
      // Clients retry FindCoordinator every retry.backoff.ms: say it once.
      if (!this.warnedTooFewBrokers) this.log.warn({ live, replicationFactor }, `${OFFSETS_TOPIC} waits for offsets.topic.replication.factor brokers`);
      this.warnedTooFewBrokers = true;
      return false;
    }
    try {
      await this.topicAdmin.create({
        name: OFFSETS_TOPIC,
        numPartitions: this.partitionCount,
        replicationFactor,
        configs: new Map([
          ['cleanup.policy', 'compact'],
          ['segment.bytes', this.config.values.get('offsets.topic.segment.bytes')!],
          ['compression.type', 'producer'],
        ]),
        internal: true,
      });
      this.log.info({ partitions: this.partitionCount, replicationFactor }, `created ${OFFSETS_TOPIC}`);
    } catch (e) {
      if (!(e instanceof AdminError) || e.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) throw e;
    }
    return true;
  }

  /** NONE when this broker serves the group now; else the error the client must act on. */
  checkCoordinator(groupId: string): number {
    const owned = this.owned.get(this.partitionOf(groupId));
    if (!owned || owned.partition.role !== 'leader') return ErrorCode.NOT_COORDINATOR;
    if (!owned.loaded) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return 0;
  }

  /** The group, created Empty on first use when `create` is set. */
  group(groupId: string, create: boolean): ClassicGroup | null {
    let g = this.groups.get(groupId) ?? null;
    if (!g && create) {
      g = this.newGroup(groupId);
      this.groups.set(groupId, g);
    }
    return g;
  }

  private newGroup(groupId: string): ClassicGroup {
    const g = new ClassicGroup(groupId, this.limits, this.timers, this.clock);
    g.onStable = (x) => this.storeGroup(x);
    g.onEmpty = (x) => void this.storeGroup(x);
    return g;
  }

  private async load(p: Partition): Promise<void> {
    const owned: OwnedPartition = { partition: p, loaded: false };
    this.owned.set(p.index, owned);
    const started = this.clock.monotonic();
    const state = await loadOffsetsPartition(p, (groupId) => this.partitionOf(groupId) === p.index);
    if (this.owned.get(p.index) !== owned) return; // resigned while loading
    for (const [groupId, offsets] of state.offsets) this.offsets.set(groupId, offsets);
    for (const [groupId, value] of state.groups) {
      const g = this.newGroup(groupId);
      g.restore(value);
      this.groups.set(groupId, g);
    }
    // Groups that only ever had standalone commits have no metadata record: Empty, as in Kafka.
    for (const groupId of state.offsets.keys()) if (!this.groups.has(groupId)) this.groups.set(groupId, this.newGroup(groupId));
    owned.loaded = true;
    this.log.info({ partition: p.index, groups: state.groups.size, ms: Math.round(this.clock.monotonic() - started) }, 'loaded offsets partition');
  }

  private unload(index: number): void {
    this.owned.delete(index);
    for (const [groupId, g] of this.groups) {
      if (this.partitionOf(groupId) !== index) continue;
      g.kill();
      this.groups.delete(groupId);
      this.offsets.delete(groupId);
    }
  }

  private async append(groupId: string, records: Array<{ key: Buffer; value: Buffer | null }>): Promise<number> {
    const owned = this.owned.get(this.partitionOf(groupId));
    if (!owned || owned.partition.role !== 'leader') return ErrorCode.NOT_COORDINATOR;
    try {
      const p = owned.partition;
      const leaderEpoch = p.leaderEpoch;
      const r = await p.appendAsLeader(buildRecordBatch({ records, baseTimestamp: this.clock.now() }), -1);
      // acks=all: acknowledged only once the ISR holds it (Kafka: offsets.commit.timeout.ms);
      // Kafka maps the failures to NOT_COORDINATOR (moved) or COORDINATOR_NOT_AVAILABLE.
      const errorCode = await waitForReplication(p, r.lastOffset + 1, leaderEpoch, OFFSETS_COMMIT_TIMEOUT_MS);
      if (errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) return ErrorCode.NOT_COORDINATOR;
      return errorCode === 0 ? 0 : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    } catch (e) {
      this.log.error({ err: e, groupId }, 'writing to the offsets topic failed');
      // Kafka maps a failed offsets-topic write to a coordinator error so the client retries.
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  /** Appends the group's metadata record; resolves to the append's error code (see `append`). */
  private async storeGroup(g: ClassicGroup): Promise<number> {
    const value = encodeGroupValue({
      protocolType: g.protocolType ?? '',
      generationId: g.generationId,
      protocolName: g.protocolName,
      leader: g.leaderId,
      currentStateTimestamp: BigInt(this.clock.now()),
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.metadataFor(g.protocolName ?? ''),
        assignment: m.assignment,
      })),
    });
    return this.append(g.groupId, [{ key: encodeGroupKey(g.groupId), value }]);
  }

  /** Stores commits; returns an error code per (topic, partition). */
  async commit(
    groupId: string,
    commits: ReadonlyArray<{ topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string | null }>,
  ): Promise<Map<string, number>> {
    const results = new Map<string, number>();
    const records: Array<{ key: Buffer; value: Buffer }> = [];
    const accepted: typeof commits[number][] = [];
    const now = BigInt(this.clock.now());
    for (const c of commits) {
      const id = `${c.topic}:${c.partition}`;
      if (!this.metadata.partition(c.topic, c.partition)) results.set(id, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      else if (c.metadata !== null && Buffer.byteLength(c.metadata) > OFFSET_METADATA_MAX_BYTES) results.set(id, ErrorCode.OFFSET_METADATA_TOO_LARGE);
      else {
        records.push({
          key: encodeOffsetKey({ group: groupId, topic: c.topic, partition: c.partition }),
          value: encodeOffsetValue({ offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata ?? '', commitTimestamp: now }),
        });
        accepted.push(c);
      }
    }
    if (records.length === 0) return results;
    const error = await this.append(groupId, records);
    let byPartition = this.offsets.get(groupId);
    if (!byPartition && error === 0) this.offsets.set(groupId, (byPartition = new Map()));
    // A standalone commit races the cleanup: its Empty group may have been removed, for having
    // no offsets, while this write was in flight. The stored offsets bring it back.
    if (error === 0 && !this.groups.has(groupId)) this.groups.set(groupId, this.newGroup(groupId));
    for (const c of accepted) {
      results.set(`${c.topic}:${c.partition}`, error);
      if (error !== 0) continue;
      let m = byPartition!.get(c.topic);
      if (!m) byPartition!.set(c.topic, (m = new Map()));
      m.set(c.partition, { offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata ?? '', commitTimestamp: now });
    }
    return results;
  }

  committed(groupId: string): OffsetsByPartition {
    return this.offsets.get(groupId) ?? new Map();
  }

  /** Deletes a group with no members and its offsets; NON_EMPTY_GROUP otherwise. */
  async deleteGroup(groupId: string): Promise<number> {
    const g = this.groups.get(groupId);
    if (g && g.state !== 'Empty' && g.state !== 'Dead') return ErrorCode.NON_EMPTY_GROUP;
    if (!g && !this.offsets.has(groupId)) return ErrorCode.GROUP_ID_NOT_FOUND;
    const tombstones: Array<{ key: Buffer; value: null }> = [{ key: encodeGroupKey(groupId), value: null }];
    for (const [topic, m] of this.committed(groupId)) for (const partition of m.keys()) tombstones.push({ key: encodeOffsetKey({ group: groupId, topic, partition }), value: null });
    const error = await this.append(groupId, tombstones);
    if (error !== 0) return error;
    g?.kill();
    this.groups.delete(groupId);
    this.offsets.delete(groupId);
    return 0;
  }

  /**
   * Deletes some committed offsets of a group (OffsetDelete). As in Kafka, an Empty group
   * left with no offsets is then gone too (see `removeOffsets`).
   */
  async deleteOffsets(groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<number> {
    return this.removeOffsets(groupId, partitions);
  }

  /**
   * offsets.retention.check.interval.ms: expires offsets by Kafka's rules (offsets-expiry.ts)
   * and removes every Empty group left without offsets, also one that never had any.
   */
  async cleanupGroups(): Promise<void> {
    const now = this.clock.now();
    for (const [groupId, g] of [...this.groups]) {
      if (this.checkCoordinator(groupId) !== 0 || g.state === 'Dead') continue;
      const expired = expiredOffsets(g, this.committed(groupId), now, this.retentionMs);
      await this.removeOffsets(groupId, expired);
    }
  }

  /**
   * Kafka's handleDeletedPartitions: when a topic is deleted, every group's committed offsets
   * for it go (tombstones, and an Empty group left with none goes too). Otherwise a group
   * would resume a re-created topic of the same name at the old topic's offsets, skipping
   * records, where Kafka's consumer starts by its auto.offset.reset.
   */
  private async removeDeletedTopics(changed: ReadonlySet<string>): Promise<void> {
    const gone = [...changed].filter((topic) => !this.metadata.topic(topic));
    if (gone.length === 0) return;
    for (const [groupId, byTopic] of [...this.offsets]) {
      if (this.checkCoordinator(groupId) !== 0) continue;
      const partitions = gone.flatMap((topic) => [...(byTopic.get(topic)?.keys() ?? [])].map((partition) => ({ topic, partition })));
      if (partitions.length) await this.removeOffsets(groupId, partitions);
    }
  }

  /**
   * Removes offsets from memory, then writes their tombstones; an Empty group that has no
   * offsets left becomes Dead and leaves the coordinator, with a group-metadata tombstone
   * (only when it ever had a generation: a standalone group has no metadata record), so
   * neither ListGroups nor a reload brings it back. Kafka's cleanupGroupMetadata, in that
   * order: memory first, so a commit that lands meanwhile is not wiped by a late tombstone.
   */
  private async removeOffsets(groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<number> {
    const records: Array<{ key: Buffer; value: null }> = [];
    const byTopic = this.offsets.get(groupId);
    for (const p of partitions) {
      records.push({ key: encodeOffsetKey({ group: groupId, topic: p.topic, partition: p.partition }), value: null });
      const m = byTopic?.get(p.topic);
      m?.delete(p.partition);
      if (m?.size === 0) byTopic!.delete(p.topic);
    }
    if (byTopic?.size === 0) this.offsets.delete(groupId);
    const g = this.groups.get(groupId);
    // A group with a member still completing KIP-394's second join is about to be non-empty.
    if (g && g.state === 'Empty' && !g.hasPendingMembers && !this.offsets.has(groupId)) {
      g.kill();
      this.groups.delete(groupId);
      if (g.generationId > 0) records.push({ key: encodeGroupKey(groupId), value: null });
      this.log.info({ groupId, generationId: g.generationId }, 'group has no members and no offsets: now Dead');
    }
    return records.length ? this.append(groupId, records) : 0;
  }

  get servedPartitions(): number[] {
    return [...this.owned.keys()];
  }

  get coordinatorNodeId(): number {
    return this.nodeId;
  }
}
