/**
 * What a client actually put on the wire: the broker stores batches as the producer sent
 * them, so a raw Fetch shows each batch's compression codec. A client may quietly send
 * uncompressed when it believes the broker cannot take a codec (librdkafka decides that
 * from ApiVersions), and a round trip alone would never notice.
 */
import assert from 'node:assert/strict';
import { ApiKey, BatchAttributes, compressSync, Fetch, iterateBatches, parseCompressionType, RECORD_BATCH_OVERHEAD } from '@samsa/protocol';
import { RawConnection } from '../helpers/raw-connection.js';
import { CODECS, type Codec } from './clients/driver.js';

export interface WireBatch {
  baseOffset: number;
  lastOffset: number;
  codec: Codec;
  /** The records section as stored (compressed when codec is not none). */
  records: Buffer;
}

/** Every batch of the partition below `endOffset`, in order, read with raw Fetch v12 requests. */
export async function readWireBatches(port: number, topic: string, partition: number, endOffset: number): Promise<WireBatch[]> {
  const conn = await RawConnection.connect(port);
  try {
    const out: WireBatch[] = [];
    let next = 0;
    for (let correlationId = 1; next < endOffset; correlationId++) {
      if (correlationId > 100) throw new Error(`${topic}-${partition}: no batch reaches offset ${endOffset} after 100 fetches`);
      const response = Fetch.decodeFetchResponse(
        await conn.request({
          apiKey: ApiKey.Fetch,
          apiVersion: 12,
          correlationId,
          body: (w) =>
            Fetch.encodeFetchRequest(w, 12, {
              replicaId: -1,
              maxWaitMs: 0,
              minBytes: 1,
              maxBytes: 16 << 20,
              topics: [{ topic, partitions: [{ partition, fetchOffset: BigInt(next), partitionMaxBytes: 16 << 20 }] }],
            }),
        }),
        12,
      );
      const p = response.responses[0]!.partitions[0]!;
      assert.equal(p.errorCode, 0, `raw fetch ${topic}-${partition} at ${next}`);
      for (const b of iterateBatches(p.records ?? Buffer.alloc(0))) {
        const baseOffset = Number(b.header.baseOffset);
        const lastOffset = baseOffset + b.header.lastOffsetDelta;
        out.push({ baseOffset, lastOffset, codec: CODECS[b.header.attributes & BatchAttributes.compressionMask]!, records: Buffer.from(b.bytes.subarray(RECORD_BATCH_OVERHEAD)) });
        next = lastOffset + 1;
      }
    }
    return out;
  } finally {
    conn.destroy();
  }
}

/** The codecs of the batches holding offsets [from, to). */
export function codecsOf(batches: readonly WireBatch[], from: number, to: number): Codec[] {
  return [...new Set(batches.filter((b) => b.lastOffset >= from && b.baseOffset < to).map((b) => b.codec))];
}

/** Records [from, from + count) that `driver` produced asking for `codec`. */
export interface ProducedRun {
  codec: Codec;
  from: number;
  count: number;
}

/**
 * Asserts each run went on the wire in the codec asked for, or uncompressed where the
 * client is known to send that codec uncompressed to Samsa (and only there).
 */
export async function expectWireCodecs(
  port: number,
  topic: string,
  client: { name: string; sendsUncompressed: Partial<Record<Codec, string>> },
  runs: readonly ProducedRun[],
): Promise<void> {
  const end = Math.max(...runs.map((r) => r.from + r.count));
  const batches = await readWireBatches(port, topic, 0, end);
  for (const r of runs) {
    const known = client.sendsUncompressed[r.codec];
    const want: Codec = known ? 'none' : r.codec;
    // librdkafka sends a batch uncompressed when compressing would not make it smaller (a
    // lone short record under gzip's header): such a batch is no sign of a refused codec.
    const inRange = batches.filter((b) => b.lastOffset >= r.from && b.baseOffset < r.from + r.count);
    const judged = inRange.filter((b) => !(b.codec === 'none' && want !== 'none' && incompressible(b, want)));
    assert.deepEqual(
      codecsOf(judged.length ? judged : inRange, r.from, r.from + r.count),
      [want],
      known
        ? `${client.name} was expected to send ${r.codec} uncompressed (${known}); if it now compresses, drop that entry and update docs/COMPATIBILITY.md`
        : `${client.name} asked for ${r.codec}: the batches on the wire (offsets ${r.from}..${r.from + r.count - 1})`,
    );
  }
}

function incompressible(b: WireBatch, codec: Codec): boolean {
  return compressSync(parseCompressionType(codec), b.records).length >= b.records.length;
}
