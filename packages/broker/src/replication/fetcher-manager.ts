/**
 * Keeps one FollowerFetcher per leader broker (Kafka's ReplicaFetcherManager): a partition
 * this broker follows is fetched by the fetcher of its current leader; when the leader or
 * its epoch changes the partition leaves the old fetcher (waiting until no fetched data for
 * it is still being applied) and joins the new one, which first truncates it by leader
 * epoch. A fetcher left with no partitions is stopped, closing its connection.
 */
import type { ClusterMetadata } from '../metadata/cluster-metadata.js';
import type { Logger } from '../platform/logger.js';
import { FollowerFetcher, type FetcherSettings } from './follower-fetcher.js';
import type { Partition } from './partition.js';
import type { PeerNetwork } from './peer-network.js';

export class FetcherManager {
  private readonly fetchers = new Map<number, FollowerFetcher>();
  /** Which leader each followed partition is fetched from. */
  private readonly leaderOf = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly settings: FetcherSettings,
    private readonly metadata: ClusterMetadata,
    private readonly network: PeerNetwork,
    private readonly log: Logger,
  ) {}

  /** Fetch `p` from `leaderId` under `leaderEpoch` (-1 leader: fetch from nobody). */
  async follow(p: Partition, leaderId: number, leaderEpoch: number): Promise<void> {
    const current = this.leaderOf.get(p.name);
    if (current === leaderId && this.fetchers.get(leaderId)?.epochOf(p) === leaderEpoch) return;
    await this.unfollow(p);
    if (leaderId < 0 || this.stopped) return;
    let fetcher = this.fetchers.get(leaderId);
    if (!fetcher) {
      fetcher = new FollowerFetcher(leaderId, () => this.addressOf(leaderId), this.settings, this.network, this.log.child({ fetcher: leaderId }));
      this.fetchers.set(leaderId, fetcher);
    }
    fetcher.add(p, leaderEpoch);
    this.leaderOf.set(p.name, leaderId);
  }

  async unfollow(p: Partition): Promise<void> {
    const leaderId = this.leaderOf.get(p.name);
    if (leaderId === undefined) return;
    this.leaderOf.delete(p.name);
    const fetcher = this.fetchers.get(leaderId);
    if (!fetcher) return;
    await fetcher.remove(p);
    if (fetcher.size === 0) {
      // Not awaited past its data: a fetcher connecting to a silent leader must not hold up
      // the replica manager until the connect times out.
      this.fetchers.delete(leaderId);
      await fetcher.stop();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.fetchers.values()];
    this.fetchers.clear();
    this.leaderOf.clear();
    await Promise.all(all.map((f) => f.stop()));
  }

  private addressOf(leaderId: number): { host: string; port: number } | null {
    const b = this.metadata.brokers.get(leaderId);
    return b ? { host: b.host, port: b.port } : null;
  }
}
