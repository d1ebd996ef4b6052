/**
 * A broker killed with SIGKILL while its log cleaner rewrites segments (the cleaner is
 * throttled by log.cleaner.io.max.bytes.per.second so the kill lands mid-pass, once a
 * `.cleaned` file exists) loses no record compaction must keep: after each restart every
 * key's latest value is there at its offset, everything read is a record that was produced
 * at that offset, offsets increase, and no `.cleaned` or `.swap` file is left behind.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeDir, startBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { killChildren, sleep } from '../helpers/child-process.js';
import { kcatConsume, kcatProduce } from '../helpers/kcat.js';
import { ApiKey, type DeleteTopics } from '@samsa/protocol';
import { openClient } from '../helpers/raw-client.js';

const OVERRIDES = { 'log.cleaner.backoff.ms': 50, 'log.cleaner.io.max.bytes.per.second': 150_000 };
const TOPIC = 'compacted-kill9';
const KEYS = 40;

/** Polls for a `.cleaned` file (a pass writing its output) for up to `timeoutMs`. */
async function sawCleanedFile(dir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await readdir(dir)).some((n) => n.endsWith('.cleaned'))) return true;
    await sleep(5);
  }
  return false;
}

test('kill -9 during cleaning loses no record compaction keeps', { timeout: 180_000 }, async (t) => {
  const brokers: BrokerProcess[] = [];
  let broker = await startBroker({ overrides: OVERRIDES });
  brokers.push(broker);
  const { dataDir, port } = broker;
  t.after(async () => {
    killChildren();
    for (const b of brokers) await b.kill();
    await removeDir(dataDir);
  });
  const admin = await openClient(t, port);
  await admin.createTopic(TOPIC, 1, { 'cleanup.policy': 'compact', 'segment.bytes': '16384', 'min.cleanable.dirty.ratio': '0.01' });
  await admin.close();
  const dir = join(dataDir, `${TOPIC}-0`);
  const produced: Array<[string, string]> = [];
  const seed = Date.now() % 100_000;
  t.diagnostic(`compaction kill -9 seed ${seed}`);
  let random = seed;
  const next = (): number => (random = (random * 48271) % 2147483647) / 2147483647;

  const produceRun = async (round: number, run: number): Promise<void> => {
    const lines = Array.from({ length: 250 }, (_, i) => `k${(i * 7 + run + round) % KEYS}:r${round}-${run}-${i}-`.padEnd(120, 'x'));
    await kcatProduce(broker.bootstrap, { topic: TOPIC, partition: 0, keyed: true, lines });
    for (const l of lines) produced.push(l.split(':') as [string, string]);
  };
  for (let round = 0; round < 3; round++) {
    for (let run = 0; run < 4; run++) await produceRun(round, run);
    // A pass may finish between two polls; more dirty data brings another.
    let run = 4;
    while (!(await sawCleanedFile(dir, 2_000))) {
      if (run === 20) throw new Error(`round ${round}: no pass wrote a .cleaned file; broker output:\n${broker.output().slice(-3000)}`);
      await produceRun(round, run++);
    }
    await sleep(Math.floor(next() * 200));
    await broker.kill();
    broker = await startBroker({ dataDir, port, overrides: OVERRIDES });
    brokers.push(broker);

    const leftovers = (await readdir(dir)).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap'));
    assert.deepEqual(leftovers, [], `round ${round}: recovery settled the cleaner's files`);
    const consumed = await kcatConsume(broker.bootstrap, { topic: TOPIC, partition: 0, offset: 'beginning', exitAtEnd: true, timeoutMs: 60_000 });
    let previous = -1;
    for (const m of consumed) {
      assert.ok(m.offset > previous, `round ${round}: offset ${m.offset} after ${previous}`);
      previous = m.offset;
      const [key, value] = produced[m.offset] ?? [];
      assert.equal(m.key, key, `round ${round}: key at offset ${m.offset}`);
      assert.equal(m.payload, value, `round ${round}: value at offset ${m.offset}`);
    }
    const latest = new Map<string, number>();
    produced.forEach(([k], offset) => latest.set(k, offset));
    const present = new Set(consumed.map((m) => m.offset));
    for (const [key, offset] of latest) assert.ok(present.has(offset), `round ${round}: the latest value of ${key} (offset ${offset}) is kept`);
    assert.ok(consumed.length < produced.length, `round ${round}: cleaning removed records (${consumed.length} of ${produced.length} left)`);
  }
});

test('deleting a compacted topic while its log is being cleaned is safe', { timeout: 120_000 }, async (t) => {
  const broker = await startBroker({ overrides: OVERRIDES });
  t.after(async () => {
    killChildren();
    await broker.kill();
    await removeDir(broker.dataDir);
  });
  const admin = await openClient(t, broker.port);
  const configs = { 'cleanup.policy': 'compact', 'segment.bytes': '16384', 'min.cleanable.dirty.ratio': '0.01' };
  await admin.createTopic(TOPIC, 1, configs);
  const dir = join(broker.dataDir, `${TOPIC}-0`);
  let run = 0;
  do {
    if (run === 20) throw new Error(`no pass wrote a .cleaned file; broker output:\n${broker.output().slice(-3000)}`);
    const lines = Array.from({ length: 250 }, (_, i) => `k${(i + run) % KEYS}:v${run}-${i}-`.padEnd(120, 'x'));
    await kcatProduce(broker.bootstrap, { topic: TOPIC, partition: 0, keyed: true, lines });
    run++;
  } while (!(await sawCleanedFile(dir, 1_000)));
  const res = await admin.request<DeleteTopics.DeleteTopicsResponse>(ApiKey.DeleteTopics, 5, { topicNames: [TOPIC], timeoutMs: 10_000 });
  assert.equal(res.responses[0]!.errorCode, 0);
  const deadline = Date.now() + 15_000;
  while (await readdir(dir).then(() => true, () => false)) {
    if (Date.now() > deadline) throw new Error(`${dir} still exists 15 s after DeleteTopics; broker output:\n${broker.output().slice(-3000)}`);
    await sleep(50);
  }
  assert.doesNotMatch(broker.output(), /reconciling partitions failed|log cleaner pass failed/);
  // The broker carries on: the name can be used again, and the new topic works.
  await admin.createTopic(TOPIC, 1, configs);
  await kcatProduce(broker.bootstrap, { topic: TOPIC, partition: 0, keyed: true, lines: ['a:1', 'a:2'] });
  const consumed = await kcatConsume(broker.bootstrap, { topic: TOPIC, partition: 0, offset: 'beginning', exitAtEnd: true, timeoutMs: 30_000 });
  assert.deepEqual(
    consumed.map((m) => [m.offset, m.key, m.payload]),
    [
      [0, 'a', '1'],
      [1, 'a', '2'],
    ],
  );
});
