/**
 * Fetch reads go into pooled buffers that are reused once a response is written. A buffer
 * must not go back to the pool while the socket still holds the response: a consumer that
 * reads slowly would then receive bytes of another consumer's fetch. Here one client stops
 * reading with ~24 MiB of response pending while another fetches other data many times;
 * every batch the slow client finally reads must be intact and its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRecordBatch, iterateBatches, readRecords } from '@samsa/protocol';
import { startBrokerFor } from '../helpers/broker-process.js';
import { openClient } from '../helpers/raw-client.js';

const MiB = 1024 * 1024;
const BATCHES = 24;

async function fill(client: Awaited<ReturnType<typeof openClient>>, topic: string, fillByte: number): Promise<void> {
  await client.createTopic(topic, 1);
  for (let i = 0; i < BATCHES; i++) {
    const batch = buildRecordBatch({ records: [{ value: Buffer.alloc(MiB - 200, fillByte) }] });
    const r = await client.produceTo(topic, 0, batch);
    assert.equal(r.errorCode, 0);
  }
}

test('a fetch response is never overwritten by a later fetch while a slow consumer reads it', async (t) => {
  const { port } = (await startBrokerFor(t, { overrides: { 'message.max.bytes': 2_000_000 } })).current;
  const producer = await openClient(t, port);
  await fill(producer, 'slow', 0x61);
  await fill(producer, 'fast', 0x62);

  const slow = await openClient(t, port);
  slow.pause();
  const fetchAll = (client: typeof slow, topic: string) =>
    client.fetch({
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 40 * MiB,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 40 * MiB }] }],
    });
  const pending = fetchAll(slow, 'slow');
  await new Promise((r) => setTimeout(r, 300)); // the broker answers into the paused socket

  const fast = await openClient(t, port);
  for (let i = 0; i < 10; i++) {
    const r = await fetchAll(fast, 'fast');
    assert.equal(r.responses[0]!.partitions[0]!.records!.length > 20 * MiB, true);
  }
  slow.resume();
  const r = await pending;
  const records = r.responses[0]!.partitions[0]!.records!;
  let count = 0;
  for (const batch of iterateBatches(Buffer.from(records))) {
    for (const rec of readRecords(batch)) {
      assert.ok(rec.value!.every((b) => b === 0x61), `record ${count} holds another fetch's bytes`);
      count++;
    }
  }
  assert.equal(count, BATCHES);
});
