/**
 * Which leader epoch began at which offset (Kafka's LeaderEpochFileCache). A leader adds its
 * epoch at its log end when it takes over; a follower adds each epoch it meets in the
 * batches it copies. OffsetForLeaderEpoch answers from it, and a follower uses the answer to
 * cut the suffix it holds that the leader does not. Every change is written to the
 * checkpoint (log/leader-epoch-checkpoint.ts) in order; on open the checkpoint is cut back
 * to the log end and completed from the batches after its last entry, so a crash between an
 * append and the checkpoint write loses nothing.
 */
import { iterateBatches } from '@samsa/protocol';
import type { PartitionLog } from '../log/partition-log.js';
import { readLeaderEpochCheckpoint, writeLeaderEpochCheckpoint, type EpochEntry } from '../log/leader-epoch-checkpoint.js';

const SCAN_CHUNK_BYTES = 4 << 20;

/** Kafka's UNDEFINED_EPOCH_OFFSET: the epoch is unknown here. */
export const UNDEFINED_EPOCH_OFFSET = { leaderEpoch: -1, endOffset: -1 } as const;

export class LeaderEpochCache {
  private entries: EpochEntry[];
  private writes: Promise<void> = Promise.resolve();

  constructor(
    entries: readonly EpochEntry[],
    /** Persists the entries; tests pass a no-op. */
    private readonly persist: (entries: readonly EpochEntry[]) => Promise<void>,
  ) {
    this.entries = [...entries];
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  /** The newest epoch, or -1 with none. */
  get latestEpoch(): number {
    return this.entries[this.entries.length - 1]?.epoch ?? -1;
  }

  /**
   * Records that `epoch` begins at `startOffset`. An epoch no newer than the latest is
   * ignored (a leader re-taking its own epoch, or batches of an epoch already known).
   */
  assign(epoch: number, startOffset: number): boolean {
    const last = this.entries[this.entries.length - 1];
    if (epoch < 0 || (last && epoch <= last.epoch)) return false;
    // An epoch that starts where the previous one did replaces it: the previous held nothing.
    this.entries = this.entries.filter((e) => e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.flushQuietly();
    return true;
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch <= `requested` this log knows, and where it
   * ended (the start of the next epoch, or the log end for the latest epoch). Unknown
   * (older than every entry, or newer than the latest) gives UNDEFINED_EPOCH_OFFSET.
   */
  endOffsetFor(requested: number, logEndOffset: number): { leaderEpoch: number; endOffset: number } {
    if (requested < 0 || this.entries.length === 0) return UNDEFINED_EPOCH_OFFSET;
    if (requested === this.latestEpoch) return { leaderEpoch: requested, endOffset: logEndOffset };
    if (requested > this.latestEpoch) return UNDEFINED_EPOCH_OFFSET;
    const next = this.entries.findIndex((e) => e.epoch > requested);
    // Older than the first epoch we know: as Kafka does, it ended where our first began. A
    // returning leader whose epoch left nothing here (its records never reached us) must cut
    // back to that offset; answering "unknown" made it keep its suffix (it falls back to its
    // high watermark, which after a restart is its log end) and then fail every append of
    // ours for good (the fault test, seed 7007: "base offset 0, the log expects 2").
    if (next === 0) return { leaderEpoch: requested, endOffset: this.entries[0]!.startOffset };
    return { leaderEpoch: this.entries[next - 1]!.epoch, endOffset: this.entries[next]!.startOffset };
  }

  /** After the log was cut at `offset`: epochs that began at or after it are gone. */
  truncateFromEnd(offset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < offset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.flushQuietly();
  }

  /** The log start moved to `offset`: the epoch holding it now starts there, older ones go. */
  truncateFromStart(offset: number): void {
    let i = -1;
    this.entries.forEach((e, k) => {
      if (e.startOffset <= offset) i = k;
    });
    if (i < 0 || (i === 0 && this.entries[0]!.startOffset === offset)) return;
    this.entries = [{ epoch: this.entries[i]!.epoch, startOffset: offset }, ...this.entries.slice(i + 1)];
    this.flushQuietly();
  }

  /**
   * A failed write (the directory deleted with its topic, a full disk) is not fatal: the
   * next change writes again, and on open the cache is completed from the log's batches.
   */
  private flushQuietly(): void {
    this.flush().catch(() => undefined);
  }

  /** Writes the current entries; writes run in order, each with the entries of its time. */
  flush(): Promise<void> {
    const run = (): Promise<void> => this.persist(this.entries);
    this.writes = this.writes.then(run, run);
    const result = this.writes;
    this.writes = this.writes.catch(() => undefined);
    return result;
  }

  /** Waits for the checkpoint writes queued so far. */
  async settled(): Promise<void> {
    await this.writes;
  }
}

/**
 * Loads the checkpoint (rebuilt from the log when missing or damaged) and brings it up to the
 * log end by scanning the batches after its last entry. `coveredOffset` (a producer-state
 * snapshot's offset, written only once this checkpoint covered every batch below it) lets
 * the scan start there instead when the checkpoint was read intact: with one long epoch the
 * last entry is at the log start, and the scan would read the whole log.
 */
export async function loadLeaderEpochCache(log: PartitionLog, coveredOffset: number | null = null): Promise<LeaderEpochCache> {
  const persist = (entries: readonly EpochEntry[]): Promise<void> => writeLeaderEpochCheckpoint(log.dir, entries);
  let entries: EpochEntry[] | null = null;
  try {
    entries = await readLeaderEpochCheckpoint(log.dir);
  } catch {
    entries = null;
  }
  const cache = new LeaderEpochCache(entries ?? [], persist);
  cache.truncateFromEnd(log.logEndOffset);
  cache.truncateFromStart(log.logStartOffset);
  const trusted = entries !== null && coveredOffset !== null ? Math.min(coveredOffset, log.logEndOffset) : 0;
  let offset = Math.max(cache.all[cache.all.length - 1]?.startOffset ?? 0, log.logStartOffset, trusted);
  while (offset < log.logEndOffset) {
    const { records, nextOffset } = await log.read(offset, SCAN_CHUNK_BYTES, { minOneBatch: true });
    if (records.length === 0 || nextOffset <= offset) break;
    for (const { header } of iterateBatches(records)) cache.assign(header.partitionLeaderEpoch, Number(header.baseOffset));
    offset = nextOffset;
  }
  await cache.settled();
  return cache;
}
