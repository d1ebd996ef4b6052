/**
 * Kafka's ExponentialBackoff (clients/.../common/utils/ExponentialBackoff.java): the n-th
 * wait is initial * 2^n, spread by +-20% jitter so that many clients reconnecting to one
 * broker do not arrive together, then capped at max. Used for reconnect.backoff.ms /
 * reconnect.backoff.max.ms and retry.backoff.ms / retry.backoff.max.ms.
 */
export const BACKOFF_MULTIPLIER = 2;
export const BACKOFF_JITTER = 0.2;

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * Wait before attempt `attempts` (0 = after the first failure). `random` returns [0, 1).
 * When initial >= max the wait is max from the start, with no jitter, as Kafka documents
 * for retry.backoff.ms above retry.backoff.max.ms.
 */
export function backoffMs(b: Backoff, attempts: number, random: () => number = Math.random): number {
  if (b.initialMs >= b.maxMs) return Math.max(0, b.maxMs);
  if (b.initialMs <= 0) return 0;
  // Capping the exponent keeps 2^n finite for huge attempt counts.
  const expMax = Math.log(b.maxMs / b.initialMs) / Math.log(BACKOFF_MULTIPLIER);
  const term = b.initialMs * Math.pow(BACKOFF_MULTIPLIER, Math.min(Math.max(0, attempts), expMax));
  const factor = 1 - BACKOFF_JITTER + random() * 2 * BACKOFF_JITTER;
  return Math.min(Math.floor(term * factor), b.maxMs);
}
