/**
 * What a leader knows of one follower (Kafka's Replica state): the log end it last fetched
 * from, and when it was last caught up. Caught up means it fetched at or past the leader's
 * log end at that moment; fetching at or past the log end the leader had at the follower's
 * previous fetch means it was caught up as of that previous fetch (Kafka's
 * lastCaughtUpTimeMs rule, so a follower that keeps up under steady load never looks stale).
 */
export class FollowerState {
  /** -1 until the follower fetches under this leader epoch. */
  logEndOffset = -1;
  lastCaughtUpTimeMs: number;
  private lastFetchLeaderLogEndOffset = -1;
  private lastFetchTimeMs = 0;

  constructor(
    readonly replicaId: number,
    /** An ISR member starts as caught up now (it was, under the previous leader); others never were. */
    lastCaughtUpTimeMs: number,
  ) {
    this.lastCaughtUpTimeMs = lastCaughtUpTimeMs;
  }

  /** A fetch at `fetchOffset` arrived at `nowMs` while the leader's log end was `leaderLogEndOffset`. */
  onFetch(fetchOffset: number, leaderLogEndOffset: number, nowMs: number): void {
    if (fetchOffset >= leaderLogEndOffset) this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, nowMs);
    else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
    this.logEndOffset = fetchOffset;
    this.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
    this.lastFetchTimeMs = nowMs;
  }

  /** Out of sync: not caught up for longer than replica.lag.time.max.ms. */
  isLagging(nowMs: number, replicaLagTimeMaxMs: number): boolean {
    return nowMs - this.lastCaughtUpTimeMs > replicaLagTimeMaxMs;
  }
}
