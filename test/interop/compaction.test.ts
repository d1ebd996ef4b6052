/**
 * Log compaction against the broker process, checked with clients we did not write:
 * kcat produces keyed records, repeats and tombstones to a compacted topic with tiny
 * segments; once the cleaner has run, kafka-python reads from the beginning exactly the
 * latest value of each key, in offset order, and the tombstoned keys disappear after
 * delete.retention.ms. confluent-kafka's null-key produce is refused with INVALID_RECORD.
 * And __consumer_offsets: many commits shrink on disk, and a restart loads the latest ones.
 */
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBrokerFor } from '../helpers/broker-process.js';
import { sleep } from '../helpers/child-process.js';
import { kcatConsume, kcatProduce, type KcatMessage } from '../helpers/kcat.js';
import { runPython } from '../helpers/python.js';
import { EARLIEST, LATEST, openClient } from '../helpers/raw-client.js';
import { ApiKey, buildRecordBatch, type DeleteGroups, type Produce } from '@samsa/protocol';
import { assignment, commitOffset, describeGroup, fetchOffset, findCoordinator, RawMember } from '../helpers/raw-group.js';
import { kafkaPythonDriver } from './clients/kafka-python.js';

const OVERRIDES = {
  'log.cleaner.backoff.ms': 100,
  'offsets.topic.num.partitions': 1,
  'offsets.topic.replication.factor': 1,
  'offsets.topic.segment.bytes': 2048,
  'log.cleaner.min.cleanable.ratio': 0.1,
  'log.cleaner.delete.retention.ms': 1_000,
  'group.initial.rebalance.delay.ms': 0,
};
const DELETE_RETENTION_MS = 2_000;

/** Polls `check` until it returns true; fails after `timeoutMs` naming what it waited for. */
async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

type Entry = [number, string, string | null];

function entries(messages: readonly KcatMessage[]): Entry[] {
  return messages.map((m) => [m.offset, m.key ?? '', m.payload]);
}

test('a compacted topic keeps the latest value per key, tombstones go after delete.retention.ms (kcat in, kafka-python out)', { timeout: 120_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const bootstrap = broker.current.bootstrap;
  const admin = await openClient(t, broker.current.port);
  const topic = 'compacted';
  await admin.createTopic(topic, 1, {
    'cleanup.policy': 'compact',
    'segment.bytes': '400',
    'segment.ms': '300',
    'min.cleanable.dirty.ratio': '0.01',
    'delete.retention.ms': String(DELETE_RETENTION_MS),
  });
  // Five rounds over ten keys, one kcat run (one batch) each, then tombstones for k3 and k7.
  const produced: Entry[] = [];
  const send = async (lines: string[]): Promise<void> => {
    await kcatProduce(bootstrap, { topic, partition: 0, keyed: true, lines });
    for (const l of lines) {
      const [k, v] = l.split(':') as [string, string];
      produced.push([produced.length, k, v === '' ? null : v]);
    }
  };
  for (let round = 0; round < 5; round++) await send(Array.from({ length: 10 }, (_, k) => `k${k}:value-${k}-${round}`));
  await send(['k3:', 'k7:']);
  // segment.ms passes, so this record rolls the segment: every keyed record above is in a
  // closed segment, cleanable; the filler stays in the active one.
  await sleep(400);
  await send(['filler:last']);

  const latest = new Map<string, Entry>();
  for (const e of produced) latest.set(e[1], e);
  const withTombstones = [...latest.values()].sort((a, b) => a[0] - b[0]);
  const withoutTombstones = withTombstones.filter((e) => e[2] !== null);

  // First the cleaner dedupes and keeps the tombstones (one pass)...
  let seen: Entry[] = [];
  await waitUntil('the cleaner to dedupe the topic', 30_000, async () => {
    seen = entries(await kcatConsume(bootstrap, { topic, partition: 0, offset: 'beginning', exitAtEnd: true }));
    return seen.length <= withTombstones.length;
  });
  assert.ok(
    JSON.stringify(seen) === JSON.stringify(withTombstones) || JSON.stringify(seen) === JSON.stringify(withoutTombstones),
    `after cleaning: ${JSON.stringify(seen)}`,
  );
  // ...and removes them once delete.retention.ms has passed.
  await waitUntil('the tombstones to expire', 30_000, async () => {
    seen = entries(await kcatConsume(bootstrap, { topic, partition: 0, offset: 'beginning', exitAtEnd: true }));
    return seen.length === withoutTombstones.length;
  });

  // Another client reads exactly the latest value of each key, at its original offset.
  const driver = kafkaPythonDriver(bootstrap);
  t.after(() => driver.close());
  const consumed = await driver.consume(topic, 0, { kind: 'beginning' }, withoutTombstones.length);
  assert.deepEqual(
    consumed.map((r) => [r.offset, r.key, r.value]),
    withoutTombstones,
  );
  assert.ok(withoutTombstones.every((e) => e[1] !== 'k3' && e[1] !== 'k7'));
  assert.ok((await readdir(broker.current.dataDir)).includes('cleaner-offset-checkpoint'), 'the cleaner checkpointed where it stopped');
});

test('a record without a key is refused by a compacted topic (confluent-kafka sees INVALID_RECORD) and nothing is stored', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const admin = await openClient(t, broker.current.port);
  await admin.createTopic('keys-required', 1, { 'cleanup.policy': 'compact' });
  const result = await runPython<{ code: number; name: string; fatal: boolean; keyed: number | null }>(
    `
    from confluent_kafka import Producer
    p = Producer({'bootstrap.servers': ARGS['bootstrap'], 'message.timeout.ms': 10000, 'linger.ms': 0})
    out = {}
    def keyless(err, msg):
        out['code'] = err.code() if err else 0
        out['name'] = err.name() if err else ''
        out['fatal'] = err.fatal() if err else False
    p.produce('keys-required', value=b'no key', on_delivery=keyless)
    p.flush(15)
    def keyed(err, msg):
        out['keyed'] = None if err else msg.offset()
    p.produce('keys-required', key=b'k', value=b'with key', on_delivery=keyed)
    p.flush(15)
    emit(out)
    `,
    { bootstrap: broker.current.bootstrap },
    30_000,
    'confluent-kafka null-key produce',
  );
  assert.equal(result.code, 87, `error ${result.name}`);
  assert.equal(result.name, 'INVALID_RECORD');
  assert.equal(result.keyed, 0, 'the keyed record after it is the first one stored');
  // The raw protocol, at the oldest and newest Produce versions stored: a batch with one
  // keyless record among keyed ones is refused whole with 87 (Kafka sends it below v8 too).
  const batch = buildRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('1') }, { key: null, value: Buffer.from('2') }] });
  for (const version of [3, 7, 8, 11]) {
    const res = await admin.produce({ acks: -1, timeoutMs: 5_000, topicData: [{ name: 'keys-required', partitionData: [{ index: 0, records: batch }] }] }, version);
    const p: Produce.PartitionProduceResponse = res.responses[0]!.partitionResponses[0]!;
    assert.equal(p.errorCode, 87, `Produce v${version}`);
  }
  assert.equal(await admin.offsetOf('keys-required', 0, LATEST), 1n, 'nothing of the refused batches was stored');
  assert.equal(await admin.offsetOf('keys-required', 0, EARLIEST), 0n);
});

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) if (name.endsWith('.log')) total += (await stat(join(dir, name))).size;
  return total;
}

test('__consumer_offsets is compacted: many commits shrink on disk and a restart loads the latest commits, group metadata and deletions', { timeout: 120_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  let client = await openClient(t, broker.current.port);
  await client.createTopic('orders', 3);
  const groupId = 'compacted-group';
  assert.equal((await findCoordinator(client, groupId)).errorCode, 0);
  // A live member: its group's metadata record must survive compaction too.
  const member = await RawMember.open(t, broker.current.port, { groupId: 'live-group', topics: ['orders'], sessionTimeoutMs: 120_000 });
  await member.join();
  assert.equal((await member.sync(new Map([[member.memberId, assignment('orders', [0, 1, 2])]]))).errorCode, 0);
  // A group whose offsets and metadata are deleted: its tombstones must win, then go.
  assert.equal(await commitOffset(client, { groupId: 'doomed-group', generationId: -1, memberId: '', topic: 'orders', partition: 0, offset: 5n }), 0);
  const deleted = await client.request<DeleteGroups.DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: ['doomed-group'] });
  assert.equal(deleted.results[0]!.errorCode, 0);

  const offsetsDir = join(broker.current.dataDir, '__consumer_offsets-0');
  const COMMITS = 400;
  for (let i = 1; i <= COMMITS; i++) {
    for (let partition = 0; partition < 3; partition++) {
      const code = await commitOffset(client, { groupId, generationId: -1, memberId: '', topic: 'orders', partition, offset: BigInt(i * 10 + partition) });
      assert.equal(code, 0, `commit ${i} of partition ${partition}`);
    }
    assert.equal(await member.commit('orders', i % 3, BigInt(i)), 0);
  }
  const written = COMMITS * 4;
  // Each commit record is ~100 bytes; compaction leaves one per key plus the active segment.
  await waitUntil('__consumer_offsets-0 to shrink', 30_000, async () => (await dirBytes(offsetsDir)) < written * 100 * 0.1);
  const expected = [0, 1, 2].map((p) => BigInt(COMMITS * 10 + p));
  const expectedLive = [0, 1, 2].map((p) => BigInt(COMMITS - ((COMMITS - p) % 3)));
  const before = await Promise.all([0, 1, 2].map((p) => fetchOffset(client, groupId, 'orders', p)));
  assert.deepEqual(
    before.map((f) => f.offset),
    expected,
  );
  await client.close();
  await broker.restart();
  client = await openClient(t, broker.current.port);
  let after: Array<{ errorCode: number; offset: bigint }> = [];
  await waitUntil('the restarted coordinator to load the compacted offsets', 20_000, async () => {
    after = await Promise.all([0, 1, 2].map((p) => fetchOffset(client, groupId, 'orders', p)));
    return after.every((f) => f.errorCode === 0);
  });
  assert.deepEqual(
    after.map((f) => f.offset),
    expected,
  );
  const live = await Promise.all([0, 1, 2].map((p) => fetchOffset(client, 'live-group', 'orders', p)));
  assert.deepEqual(
    live.map((f) => f.offset),
    expectedLive,
  );
  const described = await describeGroup(client, 'live-group');
  assert.equal(described.protocolType, 'consumer', 'the group metadata was loaded');
  assert.deepEqual(
    described.members.map((m) => m.memberId),
    [member.memberId],
  );
  assert.equal((await fetchOffset(client, 'doomed-group', 'orders', 0)).offset, -1n, 'the deleted group stays deleted');
});
