/**
 * An acks=all produce parks here after its append (Kafka's DelayedProduce) until the high
 * watermark passes its last offset, the leadership moves, or its timeout (the Produce
 * timeoutMs) passes. Kafka's check, exactly: once the HW reaches the offset, it succeeds if
 * the ISR (with any pending change) still has min.insync.replicas members, and otherwise
 * answers NOT_ENOUGH_REPLICAS_AFTER_APPEND: the ISR shrank while it waited, so fewer
 * replicas than promised hold it. Wake-ups come from Partition.onData, which fires on
 * every append, HW move, ISR change and role change.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Partition } from '../replication/partition.js';

/** Resolves with 0 or the partition's error code. */
export function waitForReplication(p: Partition, requiredOffset: number, leaderEpoch: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    let cancel: (() => void) | null = null;
    const finish = (code: number): void => {
      clearTimeout(timer);
      cancel?.();
      resolve(code);
    };
    const check = (): void => {
      if (p.role !== 'leader' || p.leaderEpoch !== leaderEpoch) return finish(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      if (p.highWatermark >= requiredOffset) {
        return finish(p.maximalIsr.length >= p.config.minInsyncReplicas ? 0 : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
      }
      cancel = p.onData(check);
    };
    const timer = setTimeout(() => finish(ErrorCode.REQUEST_TIMED_OUT), Math.max(0, timeoutMs));
    check();
  });
}
