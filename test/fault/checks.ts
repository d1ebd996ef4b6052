/**
 * The end-of-run checks of the fault test, on the segment files of the stopped brokers:
 *
 * - every replica's partition directory scans clean (each batch's length, magic and CRC-32C,
 *   offsets dense, segments contiguous: log-scan.ts);
 * - all replicas hold byte-identical batches up to the high watermark;
 * - every acknowledged record is at the offset its delivery report named, exactly once in the
 *   partition, and each producer's records of a partition are in its send order; no value
 *   appears twice at all (idempotence: a retried batch is never written again).
 *
 * Each function returns a list of problems (empty = pass), so the test can print them all.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRecords } from '@samsa/protocol';
import { scanBatches, segmentFiles, type ScannedBatch } from '../helpers/log-scan.js';
import { parseValue, type Ack } from './load.js';

export interface ReplicaLogs {
  /** nodeId -> batches below the HW, in offset order. */
  readonly batches: Map<number, ScannedBatch[]>;
  /** The values below the HW, by offset, from the first replica (they all match if identical). */
  readonly values: Map<number, string>;
}

/**
 * The batches of one replica below the HW with their bytes. The same checks as
 * log-scan.ts's scanPartitionDir (every batch valid, offsets dense, segments contiguous),
 * keeping the bytes for the comparison.
 */
async function readBelow(dataDir: string, topic: string, partition: number, highWatermark: number): Promise<{ batches: ScannedBatch[]; bytes: Buffer[] }> {
  const dir = join(dataDir, `${topic}-${partition}`);
  const batches: ScannedBatch[] = [];
  const bytes: Buffer[] = [];
  let expected: number | undefined;
  for (const seg of await segmentFiles(dir)) {
    if (expected !== undefined && seg.baseOffset !== expected) throw new Error(`${seg.path}: segment starts at ${seg.baseOffset}, the previous one ended at ${expected}`);
    const buf = await readFile(seg.path);
    const found = scanBatches(buf, { firstOffset: seg.baseOffset, where: seg.path });
    for (const b of found) {
      if (b.baseOffset >= highWatermark) continue;
      batches.push(b);
      bytes.push(buf.subarray(b.position, b.position + b.size));
    }
    expected = found.length > 0 ? found[found.length - 1]!.lastOffset + 1 : seg.baseOffset;
  }
  return { batches, bytes };
}

export async function compareReplicaFiles(dataDirs: Map<number, string>, topic: string, partition: number, highWatermark: number, problems: string[]): Promise<Map<number, string>> {
  const where = `${topic}-${partition}`;
  const read = new Map<number, { batches: ScannedBatch[]; bytes: Buffer[] }>();
  for (const [nodeId, dir] of dataDirs) {
    try {
      read.set(nodeId, await readBelow(dir, topic, partition, highWatermark));
    } catch (e) {
      problems.push(`${where} on broker ${nodeId}: scan failed: ${(e as Error).message}`);
    }
  }
  const values = new Map<number, string>();
  const [first, ...rest] = [...read.entries()];
  if (!first) return values;
  const [firstId, ref] = first;
  const end = (r: { batches: ScannedBatch[] }): number => (r.batches.length ? r.batches[r.batches.length - 1]!.lastOffset + 1 : 0);
  for (const [nodeId, r] of read) {
    if (end(r) !== highWatermark) problems.push(`${where} on broker ${nodeId}: batches below the HW end at ${end(r)}, the HW is ${highWatermark}`);
  }
  for (const [nodeId, r] of rest) {
    const n = Math.max(r.bytes.length, ref.bytes.length);
    for (let i = 0; i < n; i++) {
      const a = ref.bytes[i];
      const b = r.bytes[i];
      if (!a || !b || !a.equals(b)) {
        const at = (ref.batches[i] ?? r.batches[i])!.baseOffset;
        problems.push(`${where}: broker ${nodeId} differs from broker ${firstId} at the batch at offset ${at} (${b?.length ?? 'no'} bytes vs ${a?.length ?? 'no'} bytes)`);
        break;
      }
    }
  }
  for (let i = 0; i < ref.batches.length; i++) {
    const header = ref.batches[i]!.header;
    for (const rec of readRecords({ header: { ...header, position: 0 }, bytes: ref.bytes[i]! })) {
      values.set(Number(header.baseOffset) + rec.offsetDelta, rec.value ? rec.value.toString() : '<null>');
    }
  }
  return values;
}

/** Checks one partition's values (offset -> value, below the HW) against the acks of every producer. */
/** Returns how many of the partition's acknowledgements named no offset. */
export function checkPartition(topic: string, partition: number, values: Map<number, string>, acks: readonly Ack[], problems: string[]): number {
  const where = `${topic}-${partition}`;
  const offsetsOf = new Map<string, number[]>();
  for (const [offset, v] of [...values.entries()].sort((a, b) => a[0] - b[0])) {
    const list = offsetsOf.get(v) ?? [];
    list.push(offset);
    offsetsOf.set(v, list);
  }
  let duplicates = 0;
  for (const [v, list] of offsetsOf) {
    if (list.length > 1 && duplicates++ < 5) problems.push(`${where}: ${v} is written ${list.length} times, at offsets ${list.join(', ')}`);
  }
  if (duplicates > 5) problems.push(`${where}: ${duplicates} values written more than once in all`);
  let missing = 0;
  let withoutOffset = 0;
  for (const a of acks) {
    if (a.p !== partition) continue;
    // librdkafka can report a record delivered with no offset ("persisted, offset unknown",
    // seen after an idempotent retry, docs/INTERNALS.md): it must then be in the log, once
    // (the duplicate check above) and in its producer's order (below).
    if (a.o === null) {
      withoutOffset++;
      if (!offsetsOf.has(a.v) && missing++ < 5) problems.push(`${where}: acknowledged ${a.v} with no offset, and the log does not hold it`);
      continue;
    }
    const at = values.get(a.o);
    if (at !== a.v && missing++ < 5) problems.push(`${where}: acknowledged ${a.v} at offset ${a.o}, the log holds ${at ?? 'nothing'} there${offsetsOf.has(a.v) ? ` (it is at ${offsetsOf.get(a.v)!.join(', ')})` : ''}`);
  }
  if (missing > 5) problems.push(`${where}: ${missing} acknowledged records not where acknowledged, in all`);
  // Send order per producer: its sequence numbers rise along the offsets.
  const last = new Map<string, { sequence: number; offset: number }>();
  let reordered = 0;
  for (const [offset, v] of [...values.entries()].sort((a, b) => a[0] - b[0])) {
    const { producer, sequence } = parseValue(v);
    const prev = last.get(producer);
    if (prev && sequence <= prev.sequence && reordered++ < 5) problems.push(`${where}: ${producer} sequence ${sequence} at offset ${offset} comes after ${prev.sequence} at offset ${prev.offset}`);
    last.set(producer, { sequence, offset });
  }
  return withoutOffset;
}
