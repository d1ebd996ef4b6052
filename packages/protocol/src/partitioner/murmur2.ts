/**
 * The Java client's key partitioner (Utils.murmur2 + toPositive): records with the same
 * key must land in the same partition whichever client produced them, so this must match
 * Java bit for bit. librdkafka's murmur2 partitioners and kafkajs's DefaultPartitioner use
 * the same function; librdkafka's default (consistent_random) does not.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** MurmurHash2 as Kafka's Java client computes it, as a signed 32-bit integer like Java's int. */
export function murmur2(key: Uint8Array): number {
  const length = key.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Java's switch falls through from the highest remaining byte down to the multiply.
  const tail = length & 3;
  if (tail === 3) h ^= key[whole + 2]! << 16;
  if (tail >= 2) h ^= key[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= key[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's Utils.toPositive: masks the sign bit (not Math.abs, which fails on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  return toPositive(murmur2(key)) % numPartitions;
}
