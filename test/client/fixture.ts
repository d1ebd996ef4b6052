/**
 * Shared setup for the client's tests against a real broker process: a broker per test,
 * producers closed by the test's end, and reading a partition back with the raw client.
 */
import { Producer, type ProducerConfig } from '@samsa/client';
import { iterateBatches, readRecords } from '@samsa/protocol';
import { openClient, type RawClient } from '../helpers/raw-client.js';

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
  timestamp: number;
  producerId: bigint;
  baseSequence: number;
}

/** Every record of a partition from offset 0 to the log end (bounded by `timeoutMs`). */
export async function readAll(client: RawClient, topic: string, partition: number, timeoutMs = 20_000): Promise<ReadRecord[]> {
  const end = Number(await client.offsetOf(topic, partition, -1n));
  const out: ReadRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  let offset = 0;
  while (offset < end) {
    if (Date.now() > deadline) throw new Error(`read ${topic}-${partition} only to ${offset} of ${end} within ${timeoutMs} ms`);
    const p = await client.fetchFrom(topic, partition, BigInt(offset), 4 << 20);
    if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${partition}@${offset}: error ${p.errorCode}`);
    for (const batch of iterateBatches(p.records ?? Buffer.alloc(0))) {
      for (const r of readRecords(batch)) {
        const o = Number(r.offset);
        if (o < offset) continue;
        out.push({
          offset: o,
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          headers: r.headers.map((h) => [h.key, h.value?.toString() ?? null]),
          timestamp: Number(r.timestamp),
          producerId: batch.header.producerId,
          baseSequence: batch.header.baseSequence,
        });
        offset = o + 1;
      }
    }
  }
  return out;
}

/** A producer closed (with a short timeout) when the test ends. */
export function producerFor(t: { after(fn: () => unknown): void }, config: ProducerConfig): Producer {
  const p = new Producer(config);
  t.after(() => p.close(2_000));
  return p;
}

export { openClient };
