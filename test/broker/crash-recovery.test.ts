/**
 * kill -9 while several producers write with acks=1, then restart on the same data.
 *
 * Four producers, each on its own connection, keep up to eight Produce requests in flight
 * (acks=1; every other request carries batches for two partitions) across four partitions of a topic with small segments (so the crash lands with
 * several rolled segments behind the active one). Each record's value carries a unique id,
 * and every acknowledged (partition, baseOffset, ids) is recorded. The broker is killed
 * with SIGKILL while requests are in flight, and restarted on the same directory. Then:
 *
 * - every acknowledged record is readable at its acknowledged offset;
 * - each partition's offsets run densely from 0 to the log end (no gap, no repeat), and no
 *   record id appears twice anywhere (nothing retries, so a repeat is a broker bug);
 * - every record stored was one a producer sent (stored-but-unacknowledged is allowed: the
 *   response was lost in the crash);
 * - every batch validates (CRC-32C, length, magic), over the wire and on disk;
 * - the log accepts new appends at the log end, and they survive a clean restart.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeDir, startBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { batchOf, fetchAllBatches, scanPartitionDir, segmentFiles, type ScannedBatch } from '../helpers/log-scan.js';
import { EARLIEST, LATEST, openClient, RawClient } from '../helpers/raw-client.js';

const TOPIC = 'crash';
const PARTITIONS = 4;
const PRODUCERS = 4;
const IN_FLIGHT = 8;
/** How long the producers write before the kill. */
const WRITE_MS = 1_500;

interface Acked {
  partition: number;
  baseOffset: number;
  ids: string[];
}

interface ProducerState {
  sent: Set<string>;
  acked: Acked[];
  errors: string[];
  inFlight: number;
}

/** Writes until the connection dies or `stop()` says so; resolves when it has stopped. */
async function runProducer(client: RawClient, n: number, state: ProducerState, stopped: () => boolean): Promise<void> {
  let seq = 0;
  const one = async (): Promise<void> => {
    while (!stopped() && !client.isClosed) {
      const s = seq++;
      // Every other request carries batches for two partitions.
      const targets = s % 2 === 0 ? [(n + s) % PARTITIONS] : [(n + s) % PARTITIONS, (n + s + 1) % PARTITIONS];
      const parts = targets.map((partition, k) => {
        const ids = Array.from({ length: 1 + ((s + k) % 7) }, (_, i) => `p${n}-b${s}-${k}-r${i}`);
        for (const id of ids) state.sent.add(id);
        return { partition, ids, records: batchOf(ids, 40 + ((s * 37 + k) % 400)) };
      });
      state.inFlight++;
      try {
        const res = await client.produce({ acks: 1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: parts.map((x) => ({ index: x.partition, records: x.records })) }] });
        for (const x of parts) {
          const r = res.responses[0]?.partitionResponses.find((pr) => pr.index === x.partition);
          if (r?.errorCode === 0) state.acked.push({ partition: x.partition, baseOffset: Number(r.baseOffset), ids: x.ids });
          else state.errors.push(`partition ${x.partition}: ${r ? `error ${r.errorCode} ${r.errorMessage ?? ''}` : 'no response'}`);
        }
      } catch {
        return; // the broker died under this request
      } finally {
        state.inFlight--;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, one));
}

test('kill -9 under acks=1 load: every acknowledged record survives, offsets dense, CRCs valid', { timeout: 60_000 }, async (t) => {
  let broker: BrokerProcess | null = await startBroker();
  const dataDir = broker.dataDir;
  t.after(async () => {
    await broker?.kill();
    await removeDir(dataDir);
  });
  const admin = await RawClient.connect(broker.port);
  await admin.createTopic(TOPIC, PARTITIONS, { 'segment.bytes': String(64 * 1024) });
  await admin.close();

  // Write, then kill -9 while requests are in flight.
  const states: ProducerState[] = Array.from({ length: PRODUCERS }, () => ({ sent: new Set(), acked: [], errors: [], inFlight: 0 }));
  let stop = false;
  const clients = await Promise.all(Array.from({ length: PRODUCERS }, () => RawClient.connect(broker!.port)));
  const running = clients.map((c, i) => runProducer(c, i, states[i]!, () => stop));
  await new Promise((r) => setTimeout(r, WRITE_MS));
  const inFlightAtKill = states.reduce((n, s) => n + s.inFlight, 0);
  await broker.kill();
  broker = null;
  stop = true;
  await Promise.all(running);
  for (const c of clients) await c.close();

  const acked = states.flatMap((s) => s.acked);
  const sent = new Set(states.flatMap((s) => [...s.sent]));
  const produceErrors = states.flatMap((s) => s.errors);
  assert.deepEqual(produceErrors, [], 'no produce failed before the kill');
  assert.ok(inFlightAtKill > 0, 'the kill landed while requests were in flight');
  assert.ok(acked.length >= 100, `enough was acknowledged before the kill to mean something (${acked.length} batches)`);
  const segmentsBefore = (await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => segmentFiles(join(dataDir, `${TOPIC}-${p}`))))).map((s) => s.length);
  t.diagnostic(`acknowledged ${acked.length} batches (${acked.reduce((n, a) => n + a.ids.length, 0)} records); ${inFlightAtKill} requests in flight at the kill; segments per partition ${segmentsBefore.join(',')}`);

  // Restart on the same data.
  broker = await startBroker({ dataDir });
  const client = await openClient(t, broker.port);
  const logEnds: number[] = [];
  const seen = new Map<string, string>();
  for (let p = 0; p < PARTITIONS; p++) {
    assert.equal(await client.offsetOf(TOPIC, p, EARLIEST), 0n, `partition ${p} still starts at 0`);
    const end = Number(await client.offsetOf(TOPIC, p, LATEST));
    logEnds.push(end);
    // Dense and valid over the wire: fetchAllBatches validates each batch and the offsets.
    const batches = await fetchAllBatches(client, TOPIC, p, 0, end, { withIds: true });
    const byOffset = indexByOffset(batches);
    for (const b of batches) {
      b.ids.forEach((id, i) => {
        const where = `${p}@${b.baseOffset + i}`;
        assert.ok(!seen.has(id), `record ${id} stored twice: at ${seen.get(id)} and ${where}`);
        seen.set(id, where);
        assert.ok(sent.has(id), `record ${id} at ${where} was never sent`);
      });
    }
    for (const a of acked.filter((x) => x.partition === p)) {
      a.ids.forEach((id, i) => {
        const offset = a.baseOffset + i;
        assert.equal(byOffset.get(offset), id, `acknowledged record ${id} at ${p}@${offset}`);
      });
    }
  }
  const ackedRecords = acked.reduce((n, a) => n + a.ids.length, 0);
  assert.ok(seen.size >= ackedRecords, `${seen.size} records stored, ${ackedRecords} acknowledged`);
  t.diagnostic(`after restart: log ends ${logEnds.join(',')}; ${seen.size - ackedRecords} records stored without an acknowledgement`);

  // New appends continue at each log end.
  for (let p = 0; p < PARTITIONS; p++) {
    const r = await client.produceTo(TOPIC, p, batchOf([`after-${p}-0`, `after-${p}-1`], 100), 1);
    assert.equal(r.errorCode, 0, `append after recovery to partition ${p}`);
    assert.equal(Number(r.baseOffset), logEnds[p], `append after recovery to partition ${p} lands at the log end`);
  }

  // A clean stop, then every segment file on disk: whole valid batches, dense across segments.
  await broker.stop();
  broker = null;
  for (let p = 0; p < PARTITIONS; p++) {
    const batches = await scanPartitionDir(join(dataDir, `${TOPIC}-${p}`), { withIds: true });
    assert.equal(batches[0]?.baseOffset, 0, `partition ${p} on disk starts at 0`);
    assert.equal(batches[batches.length - 1]!.lastOffset + 1, logEnds[p]! + 2, `partition ${p} on disk ends after the new append`);
    const byOffset = indexByOffset(batches);
    for (const a of acked.filter((x) => x.partition === p)) {
      a.ids.forEach((id, i) => assert.equal(byOffset.get(a.baseOffset + i), id, `on disk: acknowledged record ${id} at ${p}@${a.baseOffset + i}`));
    }
  }

  // And it comes back after the clean stop with the same ends.
  broker = await startBroker({ dataDir });
  const again = await openClient(t, broker.port);
  for (let p = 0; p < PARTITIONS; p++) {
    assert.equal(Number(await again.offsetOf(TOPIC, p, LATEST)), logEnds[p]! + 2, `partition ${p} log end after a clean restart`);
  }
});

function indexByOffset(batches: ScannedBatch[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const b of batches) b.ids.forEach((id, i) => m.set(b.baseOffset + i, id));
  return m;
}
