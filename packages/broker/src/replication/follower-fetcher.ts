/**
 * One fetcher per leader broker (Kafka's ReplicaFetcherThread): a connection to that leader
 * and a loop that fetches every partition this broker follows from it, as Fetch v15 with
 * this broker's id in ReplicaState. Before the first fetch under a new leader epoch a
 * partition asks OffsetForLeaderEpoch for its latest epoch and cuts the suffix the leader
 * does not hold. Fetched batches are appended with the leader's offsets and epochs, and the
 * follower's HW becomes min(leader HW, own log end). Errors back off
 * (replica.fetch.backoff.ms): a connection error for the whole fetcher, a partition error
 * (a stale epoch, not the leader any more) for that partition until the metadata moves it.
 */
import { ApiKey, ErrorCode, type Fetch, type OffsetForLeaderEpoch } from '@samsa/protocol';
import type { Logger } from '../platform/logger.js';
import type { Partition } from './partition.js';
import { PeerConnection } from './peer-connection.js';
import type { PeerNetwork } from './peer-network.js';

const FETCH_VERSION = 15;
const OFFSET_FOR_LEADER_EPOCH_VERSION = 4;

export interface FetcherSettings {
  readonly nodeId: number;
  /** replica.fetch.wait.max.ms, replica.fetch.min.bytes, ...: Kafka's follower settings. */
  readonly waitMaxMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly responseMaxBytes: number;
  readonly backoffMs: number;
  readonly socketTimeoutMs: number;
}

interface Target {
  readonly partition: Partition;
  readonly leaderEpoch: number;
  /** Asks OffsetForLeaderEpoch before fetching (set when it starts following this epoch). */
  needsTruncation: boolean;
  /** Monotonic ms before which the partition is not fetched (after a partition error). */
  delayedUntil: number;
}

export class FollowerFetcher {
  private readonly targets = new Map<string, Target>();
  private conn: PeerConnection | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  /** The response being applied; removing a partition waits for it, so nothing lands after. */
  private applying: Promise<void> = Promise.resolve();

  constructor(
    readonly leaderId: number,
    private readonly address: () => { host: string; port: number } | null,
    private readonly settings: FetcherSettings,
    private readonly network: PeerNetwork,
    private readonly log: Logger,
  ) {
    // The loop catches its own errors; it ends after stop().
    void this.run();
  }

  get size(): number {
    return this.targets.size;
  }

  epochOf(p: Partition): number | null {
    return this.targets.get(p.name)?.leaderEpoch ?? null;
  }

  add(p: Partition, leaderEpoch: number): void {
    this.targets.set(p.name, { partition: p, leaderEpoch, needsTruncation: true, delayedUntil: 0 });
    this.wake?.();
  }

  async remove(p: Partition): Promise<void> {
    this.targets.delete(p.name);
    await this.applying;
  }

  /**
   * Stops fetching. Resolves once no fetched data is being applied; the loop itself may
   * still be waiting for a connect to a silent leader, and exits when that ends.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.conn?.close('fetcher stopped');
    this.wake?.();
    await this.applying;
  }


  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.network.up) {
          this.conn?.close('peer network down');
          this.conn = null;
          await Promise.race([this.network.whenUp(), this.sleep(this.settings.backoffMs)]);
          continue;
        }
        const ready = this.readyTargets();
        if (ready.length === 0) {
          await this.sleep(this.targets.size === 0 ? 60_000 : this.settings.backoffMs);
          continue;
        }
        const conn = await this.connection();
        if (this.stopped) break;
        if (!conn) {
          await this.sleep(this.settings.backoffMs);
          continue;
        }
        const truncating = ready.filter((t) => t.needsTruncation);
        if (truncating.length > 0) await this.truncate(conn, truncating);
        else await this.fetch(conn, ready);
      } catch (e) {
        if (this.stopped) break;
        this.log.debug({ err: e, leader: this.leaderId }, 'replica fetch failed; backing off');
        this.conn?.close('fetch failed');
        this.conn = null;
        await this.sleep(this.settings.backoffMs);
      }
    }
    this.conn?.close('fetcher stopped');
    this.conn = null;
  }

  private readyTargets(): Target[] {
    const now = performance.now();
    return [...this.targets.values()].filter((t) => t.delayedUntil <= now);
  }

  private async connection(): Promise<PeerConnection | null> {
    if (this.conn && !this.conn.isClosed) return this.conn;
    const address = this.address();
    if (!address) return null;
    this.conn = await PeerConnection.open(address.host, address.port, `broker-${this.settings.nodeId}-fetcher-${this.leaderId}`, this.settings.socketTimeoutMs);
    return this.conn;
  }

  private async fetch(conn: PeerConnection, ready: Target[]): Promise<void> {
    const byTopic = new Map<string, Fetch.FetchPartitionInput[]>();
    for (const t of ready) {
      const p = t.partition;
      const list = byTopic.get(p.topicId) ?? [];
      list.push({ partition: p.index, currentLeaderEpoch: t.leaderEpoch, fetchOffset: BigInt(p.logEndOffset), logStartOffset: BigInt(p.logStartOffset), partitionMaxBytes: this.settings.maxBytes });
      byTopic.set(p.topicId, list);
    }
    const res = await conn.request<Fetch.FetchResponse>(ApiKey.Fetch, FETCH_VERSION, {
      replicaState: { replicaId: this.settings.nodeId, replicaEpoch: -1n },
      maxWaitMs: this.settings.waitMaxMs,
      minBytes: this.settings.minBytes,
      maxBytes: this.settings.responseMaxBytes,
      isolationLevel: 0,
      topics: [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions })),
    } satisfies Fetch.FetchRequestInput);
    if (this.stopped || !this.network.up) return; // cut off while the fetch was in flight: the answer never came
    if (res.errorCode !== 0) throw new Error(`fetch from broker ${this.leaderId}: error ${res.errorCode}`);
    const apply = this.applyFetch(ready, res);
    this.applying = apply.catch(() => undefined);
    await apply;
  }

  private async applyFetch(sent: Target[], res: Fetch.FetchResponse): Promise<void> {
    for (const topic of res.responses) {
      for (const pd of topic.partitions) {
        const t = sent.find((s) => s.partition.topicId === topic.topicId && s.partition.index === pd.partitionIndex);
        // Removed, or moved to another epoch, while the fetch was in flight.
        if (!t || this.targets.get(t.partition.name) !== t) continue;
        try {
          await this.applyPartition(t, pd);
        } catch (e) {
          this.log.warn({ err: e, partition: t.partition.name, leader: this.leaderId }, 'applying fetched data failed');
          t.delayedUntil = performance.now() + this.settings.backoffMs;
        }
      }
    }
  }

  private async applyPartition(t: Target, pd: Fetch.PartitionData): Promise<void> {
    const p = t.partition;
    const leaderLogStart = Number(pd.logStartOffset);
    if (pd.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (leaderLogStart >= 0 && p.logEndOffset < leaderLogStart) {
        this.log.info({ partition: p.name, logEndOffset: p.logEndOffset, leaderLogStartOffset: leaderLogStart }, 'behind the leader log start; starting over there');
        await p.truncateFullyAndStartAt(leaderLogStart);
      } else t.needsTruncation = true;
      return;
    }
    if (pd.errorCode !== 0) {
      t.delayedUntil = performance.now() + this.settings.backoffMs;
      return;
    }
    if (pd.records && pd.records.length > 0) await p.appendAsFollower(pd.records);
    p.updateFollowerHighWatermark(Number(pd.highWatermark));
    // DeleteRecords or retention moved the leader's log start: follow it (Kafka's
    // maybeIncrementLogStartOffset), never past what we hold.
    const newStart = Math.min(leaderLogStart, p.logEndOffset);
    if (newStart > p.logStartOffset) {
      await p.log.deleteRecordsBefore(newStart);
      p.afterLogStartMoved();
    }
  }

  /**
   * OffsetForLeaderEpoch for our latest epoch: the leader answers the largest epoch <= ours
   * it knows and where that epoch ended in its log. Everything we hold past that (or past
   * our own end of that epoch) is a suffix the leader never had, and goes.
   */
  private async truncate(conn: PeerConnection, targets: Target[]): Promise<void> {
    const asked = targets.filter((t) => t.partition.leaderEpochCache.latestEpoch >= 0 && t.partition.logEndOffset > 0);
    for (const t of targets) if (!asked.includes(t)) t.needsTruncation = false;
    if (asked.length === 0) return;
    const byTopic = new Map<string, OffsetForLeaderEpoch.OffsetForLeaderPartitionInput[]>();
    for (const t of asked) {
      const list = byTopic.get(t.partition.topic) ?? [];
      list.push({ partition: t.partition.index, currentLeaderEpoch: t.leaderEpoch, leaderEpoch: t.partition.leaderEpochCache.latestEpoch });
      byTopic.set(t.partition.topic, list);
    }
    const res = await conn.request<OffsetForLeaderEpoch.OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, OFFSET_FOR_LEADER_EPOCH_VERSION, {
      replicaId: this.settings.nodeId,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    });
    if (this.stopped || !this.network.up) return;
    const apply = this.applyEpochEnds(asked, res);
    this.applying = apply.catch(() => undefined);
    await apply;
  }

  private async applyEpochEnds(asked: Target[], res: OffsetForLeaderEpoch.OffsetForLeaderEpochResponse): Promise<void> {
    for (const topic of res.topics) {
      for (const r of topic.partitions) {
        const t = asked.find((a) => a.partition.topic === topic.topic && a.partition.index === r.partition);
        if (!t || this.targets.get(t.partition.name) !== t) continue;
        const p = t.partition;
        if (r.errorCode !== 0) {
          t.delayedUntil = performance.now() + this.settings.backoffMs;
          continue;
        }
        let offset: number;
        if (r.leaderEpoch < 0 || r.endOffset < 0n) {
          offset = p.highWatermark; // the leader knows none of our epochs: keep only what was committed
        } else {
          const localEnd = p.leaderEpochCache.endOffsetFor(r.leaderEpoch, p.logEndOffset).endOffset;
          offset = Math.min(Number(r.endOffset), localEnd >= 0 ? localEnd : p.logEndOffset);
        }
        if (offset < p.logEndOffset) {
          this.log.info({ partition: p.name, leader: this.leaderId, leaderEpoch: t.leaderEpoch, logEndOffset: p.logEndOffset, truncateTo: offset }, 'truncating divergent suffix');
          await p.truncateTo(offset);
        }
        t.needsTruncation = false;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wake === done) self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }
}
