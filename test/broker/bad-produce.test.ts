/**
 * What the broker does with produce requests and topic names it must refuse, over the raw
 * protocol against the real broker process. For every refused produce, ListOffsets latest
 * must not move: nothing of a refused request is stored.
 *
 * - a batch whose CRC-32C is wrong, a blob with a good batch followed by a corrupt one, a
 *   batch whose length overruns the data: CORRUPT_MESSAGE;
 * - a batch over the topic's max.message.bytes: MESSAGE_TOO_LARGE;
 * - a magic v1 message set: UNSUPPORTED_FOR_MESSAGE_FORMAT (or CORRUPT_MESSAGE);
 * - acks=2: INVALID_REQUIRED_ACKS; an unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION;
 * - CreateTopics and Metadata (with auto-creation allowed) with "bad/name", "..", a
 *   250-character name: INVALID_TOPIC_EXCEPTION, and nothing is created; 249 characters work;
 * - an unknown API key, one we do not implement, Produce v2 (below what we speak) and Produce v12 (above): the broker
 *   closes that connection and logs why, and keeps serving the others.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { ApiKey, buildRecordBatch, CompressionType, crc32c, ErrorCode, Produce, Writer, writeRequestHeader } from '@samsa/protocol';
import { removeDir, startBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { batchOf, fetchAllBatches, waitFor } from '../helpers/log-scan.js';
import { ConnectionClosedError, LATEST, openClient, RawClient } from '../helpers/raw-client.js';

const TOPIC = 'bad-input';
const SMALL = 'small-max';
const SMALL_MAX_BYTES = 1024;

async function withBroker(t: { after(fn: () => unknown): void }): Promise<{ broker: BrokerProcess; client: RawClient }> {
  const broker = await startBroker();
  t.after(async () => {
    await broker.kill();
    await removeDir(broker.dataDir);
  });
  const client = await openClient(t, broker.port);
  await client.createTopic(TOPIC, 1);
  await client.createTopic(SMALL, 1, { 'max.message.bytes': String(SMALL_MAX_BYTES) });
  return { broker, client };
}

/** Sets batchLength and the CRC-32C to match the bytes: a batch that is "valid" to a CRC check. */
function reseal(batch: Buffer): Buffer {
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** A magic v1 message set of one message (Kafka 0.10 format), with a correct CRC-32. */
function magicV1MessageSet(value: Buffer): Buffer {
  const body = Buffer.alloc(1 + 1 + 8 + 4 + 4 + value.length);
  let at = body.writeInt8(1, 0); // magic
  at = body.writeInt8(0, at); // attributes
  at = body.writeBigInt64BE(BigInt(Date.now()), at);
  at = body.writeInt32BE(-1, at); // null key
  at = body.writeInt32BE(value.length, at);
  value.copy(body, at);
  const out = Buffer.alloc(8 + 4 + 4 + body.length);
  out.writeBigInt64BE(0n, 0);
  out.writeInt32BE(4 + body.length, 8);
  out.writeUInt32BE(crc32(body), 12);
  body.copy(out, 16);
  return out;
}

test('refused produces get the right error and store nothing', { timeout: 30_000 }, async (t) => {
  const { broker, client } = await withBroker(t);
  const port = broker.port;
  const ok = await client.produceTo(TOPIC, 0, batchOf(['first'], 100), 1);
  assert.equal(ok.errorCode, 0, 'a good batch is accepted');
  assert.equal(await client.offsetOf(TOPIC, 0, LATEST), 1n);

  const expectRefused = async (what: string, records: Buffer, codes: number[], opts: { topic?: string; acks?: number } = {}): Promise<void> => {
    const topic = opts.topic ?? TOPIC;
    const before = await client.offsetOf(topic, 0, LATEST);
    const r = await client.produceTo(topic, 0, records, opts.acks ?? 1);
    assert.ok(codes.includes(r.errorCode), `${what}: error ${r.errorCode} (${r.errorMessage}), expected one of ${codes.join(', ')}`);
    assert.equal(r.baseOffset, -1n, `${what}: no base offset`);
    assert.equal(await client.offsetOf(topic, 0, LATEST), before, `${what}: nothing stored`);
  };

  const flipped = batchOf(['x', 'y'], 100);
  flipped[flipped.length - 3] ^= 0xff; // a byte of the last record's value, inside the CRC range
  await expectRefused('a batch with a wrong CRC', flipped, [ErrorCode.CORRUPT_MESSAGE]);

  await expectRefused('a good batch followed by one with a wrong CRC', Buffer.concat([batchOf(['good'], 100), flipped]), [ErrorCode.CORRUPT_MESSAGE]);

  const good = batchOf(['z'], 100);
  await expectRefused('a batch cut short (length overruns the data)', good.subarray(0, good.length - 10), [ErrorCode.CORRUPT_MESSAGE]);

  await expectRefused('a magic v1 message set', magicV1MessageSet(Buffer.from('v1 value')), [ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, ErrorCode.CORRUPT_MESSAGE]);

  // A correct CRC over records that are not what the header says.
  const miscounted = Buffer.from(batchOf(['m0', 'm1'], 20));
  miscounted.writeInt32BE(2, 23); // lastOffsetDelta
  miscounted.writeInt32BE(3, 57); // recordsCount
  await expectRefused('a batch claiming 3 records holding 2 (CRC correct)', reseal(miscounted), [ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_RECORD]);

  // A compressed batch whose compressed payload is cut short, CRC and length made to match.
  for (const [name, compression] of [['gzip', CompressionType.gzip], ['snappy', CompressionType.snappy], ['lz4', CompressionType.lz4], ['zstd', CompressionType.zstd]] as const) {
    const whole = buildRecordBatch({ baseOffset: 0n, compression, records: Array.from({ length: 20 }, (_, i) => ({ key: null, value: Buffer.from(`${name} record ${i} `.repeat(8)) })) });
    await expectRefused(`a ${name} batch with its payload cut short (CRC correct)`, reseal(Buffer.from(whole.subarray(0, whole.length - 16))), [ErrorCode.CORRUPT_MESSAGE]);
  }

  // No records at all.
  const nullRecords = await client.produce({ acks: 1, timeoutMs: 1000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: null }] }] });
  assert.equal(nullRecords.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.CORRUPT_MESSAGE, 'null records');

  await expectRefused('acks=2', batchOf(['acks2'], 10), [ErrorCode.INVALID_REQUIRED_ACKS], { acks: 2 });

  // max.message.bytes: a batch just under passes, one over is refused.
  const under = batchOf(['under'], SMALL_MAX_BYTES - 200);
  assert.ok(under.length <= SMALL_MAX_BYTES);
  assert.equal((await client.produceTo(SMALL, 0, under, 1)).errorCode, 0, 'a batch under max.message.bytes is accepted');
  const over = batchOf(['over'], SMALL_MAX_BYTES + 100);
  await expectRefused(`a ${over.length}-byte batch over max.message.bytes=${SMALL_MAX_BYTES}`, over, [ErrorCode.MESSAGE_TOO_LARGE], { topic: SMALL });

  // Unknown topic and unknown partition; produce never auto-creates.
  const unknown = await client.produceTo('no-such-topic', 0, batchOf(['u'], 10), 1);
  assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'produce to an unknown topic');
  const unknownPartition = await client.produceTo(TOPIC, 7, batchOf(['u'], 10), 1);
  assert.equal(unknownPartition.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'produce to an unknown partition');
  const md = await client.metadata(null);
  assert.ok(!md.topics.some((x) => x.name === 'no-such-topic'), 'produce did not create the unknown topic');

  // acks=0 has no response to carry the error: the broker closes the connection instead.
  const silent = await openClient(t, port, 'acks0');
  await silent.produce({ acks: 0, timeoutMs: 1000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: flipped }] }] });
  assert.equal(await silent.closedWithin(5_000), 'closed by peer', 'acks=0 with a corrupt batch: the broker closes the connection');
  assert.equal(await client.offsetOf(TOPIC, 0, LATEST), 1n, 'acks=0 with a corrupt batch: nothing stored');

  // The log still holds exactly the good records, all valid.
  const all = await fetchAllBatches(client, TOPIC, 0, 0, 1, { withIds: true });
  assert.deepEqual(all.flatMap((b) => b.ids), ['first']);
  const appended = await client.produceTo(TOPIC, 0, batchOf(['second'], 100), 1);
  assert.equal(appended.baseOffset, 1n, 'the next good batch follows directly');
});

test('invalid topic names get INVALID_TOPIC_EXCEPTION from CreateTopics and Metadata', { timeout: 30_000 }, async (t) => {
  const { broker, client } = await withBroker(t);
  const invalid = ['bad/name', '..', 'x'.repeat(250)];
  const created = await client.createTopics(invalid.map((name) => ({ name })));
  for (const name of invalid) {
    const r = created.topics.find((x) => x.name === name);
    assert.equal(r?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `CreateTopics ${name.slice(0, 20)} (${name.length} chars)`);
  }
  const md = await client.metadata(invalid, true);
  for (const name of invalid) {
    const r = md.topics.find((x) => x.name === name);
    assert.equal(r?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `Metadata (auto-create allowed) ${name.slice(0, 20)} (${name.length} chars)`);
  }
  const all = await client.metadata(null);
  assert.deepEqual(all.topics.map((x) => x.name).sort(), [TOPIC, SMALL].sort(), 'no topic was created');
  const dirs = (await readdir(broker.dataDir)).filter((n) => n !== 'cluster-metadata.samsa');
  assert.deepEqual(dirs.sort(), [`${SMALL}-0`, `${TOPIC}-0`].sort(), 'no directory was made for an invalid name');

  // The longest legal name works end to end.
  const longest = 'y'.repeat(249);
  await client.createTopic(longest, 1);
  assert.equal((await client.produceTo(longest, 0, batchOf(['long'], 10), 1)).errorCode, 0, 'produce to a 249-character topic');
});

test('an unknown API key or an unsupported Produce version closes that connection only', { timeout: 30_000 }, async (t) => {
  const { broker, client: bystander } = await withBroker(t);

  /** Sends a request with this key and version; the broker must close the connection and log `expectLog`. */
  const expectClosed = async (what: string, apiKey: number, apiVersion: number, body: (w: Writer) => void, expectLog: string): Promise<void> => {
    const c = await openClient(t, broker.port, `bad-${apiKey}-${apiVersion}`);
    const w = new Writer(128);
    const correlationId = c.takeCorrelationId();
    writeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: c.clientId });
    body(w);
    await assert.rejects(c.requestRaw(w.finish(), { correlationId, apiKey: ApiKey.ApiVersions, apiVersion: 0 }), ConnectionClosedError, `${what}: the request fails with the connection closed, not a response`);
    assert.equal(await c.closedWithin(5_000), 'closed by peer', `${what}: the broker closed the connection`);
    await waitFor(`the broker to log "${expectLog}"`, 5_000, () => (broker.output().includes(expectLog) ? true : undefined));
    // Everyone else is still served, old connections and new.
    assert.equal((await bystander.produceTo(TOPIC, 0, batchOf([what], 10), 1)).errorCode, 0, `${what}: another connection still produces`);
    const fresh = await openClient(t, broker.port);
    assert.equal((await fresh.metadata([TOPIC])).topics[0]?.errorCode, 0, `${what}: a new connection is served`);
    await fresh.close();
  };

  await expectClosed('unknown api key 999', 999, 0, () => undefined, 'unknown api key 999');
  await expectClosed('an api key we do not implement (DescribeAcls)', ApiKey.DescribeAcls, 1, (w) => w.int32(0), `unknown api key ${ApiKey.DescribeAcls}`);
  const produceBody = (version: number) => (w: Writer) =>
    Produce.encodeProduceRequest(w, version, { acks: 1, timeoutMs: 1000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batchOf(['v'], 10) }] }] });
  await expectClosed('Produce v2', ApiKey.Produce, 2, produceBody(2), 'Produce v2 is outside the 3..11 we speak');
  // v12 does not exist: a v11 body under a v12 header.
  await expectClosed('Produce v12', ApiKey.Produce, 12, produceBody(11), 'Produce v12 is outside the 3..11 we speak');

  const logged = broker.output().split('\n').filter((l) => l.includes('closing connection'));
  t.diagnostic(`broker log lines: ${logged.map((l) => JSON.parse(l).msg as string).join(' | ')}`);
  assert.equal(await bystander.offsetOf(TOPIC, 0, LATEST), 4n, 'only the four good produces were stored');
});
