/**
 * Finding positions for partitions that have none (Kafka's updateFetchPositions): the
 * group's committed offset when there is one, else auto.offset.reset through ListOffsets
 * (earliest, latest; none is NO_OFFSET_FOR_PARTITION). seekToBeginning/seekToEnd ask for a
 * reset the same way. One lookup runs at a time; poll() waits for it within its timeout.
 * Partitions whose leader or coordinator could not answer are tried again by the next call,
 * no sooner than retry.backoff.ms later.
 */
import type { BrokerPool } from '../connection/broker-pool.js';
import { SamsaClientError } from '../errors.js';
import type { MetadataManager } from '../metadata/metadata-manager.js';
import type { ConsumerSettings } from './consumer-config.js';
import type { OffsetCommitter } from './group/offset-committer.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from './list-offsets.js';
import type { PartitionState, SubscriptionState } from './subscription-state.js';
import { tpString } from './types.js';

export class PositionResolver {
  private running: Promise<void> | null = null;
  private retryAtMs = 0;

  constructor(
    private readonly s: ConsumerSettings,
    private readonly subs: SubscriptionState,
    private readonly metadata: MetadataManager,
    private readonly pool: BrokerPool,
    private readonly committer: OffsetCommitter | null,
  ) {}

  /** True when every assigned partition has a position. */
  get complete(): boolean {
    for (const st of this.subs.states()) if (st.position === null) return false;
    return true;
  }

  /** Looks up missing positions (sharing a lookup already running). Throws NO_OFFSET_FOR_PARTITION and non-retriable errors. */
  update(): Promise<void> {
    if (this.complete) return Promise.resolve();
    if (this.running) return this.running;
    if (Date.now() < this.retryAtMs) return Promise.resolve();
    this.running = this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<void> {
    const missing = [...this.subs.states()].filter((st) => st.position === null && st.reset === null);
    if (missing.length > 0) await this.fromCommitted(missing);
    const resets = [...this.subs.states()].filter((st) => st.reset !== null);
    if (resets.length > 0) await this.reset(resets);
    if (!this.complete) this.retryAtMs = Date.now() + this.s.retryBackoffMs;
  }

  private async fromCommitted(missing: PartitionState[]): Promise<void> {
    let committed = new Map<string, { offset: number; leaderEpoch: number | null }>();
    if (this.committer) {
      const epochs = new Map(missing.map((st) => [st.key, st.epoch]));
      try {
        committed = await this.committer.fetch(missing);
      } catch (e) {
        if (e instanceof SamsaClientError && e.retriable) return;
        throw e;
      }
      // Sought or reset meanwhile: the application's choice stands.
      missing = missing.filter((st) => this.subs.stateByKey(st.key) === st && st.position === null && st.reset === null && st.epoch === epochs.get(st.key));
    }
    for (const st of missing) {
      const c = committed.get(st.key);
      if (c) this.subs.seek(st, c.offset, c.leaderEpoch);
      else if (this.s.autoOffsetReset === 'none') throw new SamsaClientError('NO_OFFSET_FOR_PARTITION', `no committed offset for partition ${tpString(st)} and auto.offset.reset is none`);
      else this.subs.requestReset(st, this.s.autoOffsetReset);
    }
  }

  private async reset(states: PartitionState[]): Promise<void> {
    const asked = states.map((st) => ({ st, epoch: st.epoch, strategy: st.reset! }));
    const result = await listOffsets(
      this.pool,
      this.metadata,
      asked.map((a) => ({ topic: a.st.topic, partition: a.st.partition, timestamp: a.strategy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP })),
      this.s.isolationLevel,
    );
    for (const a of asked) {
      const err = result.failed.get(a.st.key);
      if (err) throw err;
      const found = result.found.get(a.st.key);
      if (!found || this.subs.stateByKey(a.st.key) !== a.st || a.st.epoch !== a.epoch || a.st.reset !== a.strategy) continue;
      this.subs.seek(a.st, found.offset, found.leaderEpoch);
    }
  }
}
