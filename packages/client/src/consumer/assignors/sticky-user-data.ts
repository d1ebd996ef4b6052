/**
 * The userData the sticky assignors put in a subscription.
 *
 * 'sticky' (eager): Kafka's StickyAssignor "StickyAssignorUserData" (KIP-54, generation added by
 * KIP-341), with no version prefix:
 *   v0: previous_assignment [topic string, partitions [int32]]
 *   v1: v0 then generation int32
 * An eager member has revoked everything when it joins, so its ownedPartitions are empty; this
 * is how the leader learns what it had. Java and librdkafka members of a mixed group send it.
 *
 * 'cooperative-sticky': the generation as one int32 (Kafka 2.5+), for members whose subscription
 * is older than v2 and so carries no generationId.
 *
 * Kafka defines these with Java Schema objects, not JSON message specs, so there is nothing for
 * the protocol package's generator to read: they are written here with its Reader and Writer.
 */
import { Reader, Writer } from '@samsa/protocol';
import type { TopicPartitions } from './assignor.js';
import { compareStrings } from './common.js';

export interface StickyUserData {
  readonly partitions: TopicPartitions;
  /** -1 when the member sent v0 (no generation). */
  readonly generationId: number;
}

export function encodeStickyUserData(partitions: TopicPartitions, generationId: number): Buffer {
  const w = new Writer(64);
  const topics = [...partitions.keys()].sort(compareStrings);
  w.arrayLength(topics.length);
  for (const topic of topics) {
    const list = partitions.get(topic)!;
    w.string(topic);
    w.arrayLength(list.length);
    for (const p of list) w.int32(p);
  }
  w.int32(generationId);
  return w.finish();
}

/**
 * Reads v1, or v0 when the bytes end after the assignment (Kafka reads v1 and falls back to v0).
 * Returns null for empty or undecodable bytes: a member whose userData we cannot read is treated
 * as owning nothing, which costs stickiness but never correctness.
 */
export function decodeStickyUserData(buf: Buffer | null): StickyUserData | null {
  if (buf === null || buf.length === 0) return null;
  try {
    const r = new Reader(buf);
    const partitions = new Map<string, number[]>();
    const topicCount = r.arrayLength();
    for (let i = 0; i < topicCount; i++) {
      const topic = r.string();
      const count = r.arrayLength();
      const list: number[] = [];
      for (let j = 0; j < count; j++) list.push(r.int32());
      partitions.set(topic, [...(partitions.get(topic) ?? []), ...list]);
    }
    const generationId = r.remaining >= 4 ? r.int32() : -1;
    return { partitions, generationId };
  } catch {
    return null;
  }
}

export function encodeGeneration(generationId: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeInt32BE(generationId);
  return buf;
}

/** The cooperative assignor's userData: an int32 generation, or -1 when absent or malformed. */
export function decodeGeneration(buf: Buffer | null): number {
  return buf !== null && buf.length >= 4 ? buf.readInt32BE(0) : -1;
}
