/**
 * The scenarios every third-party client runs against the real broker process, written
 * once over ClientDriver: create a topic, round-trip every codec with headers, a null key,
 * a tombstone and a 900 KB value, consume from the beginning / the end / a timestamp,
 * ListOffsets, delete the topic. Each scenario uses its own topic.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sleep } from '../helpers/child-process.js';
import { CODECS, type ClientDriver, type TestRecord } from './clients/driver.js';
import { bigRecord, codecBatch, expectOffsets, expectRecords, plainRecords } from './records.js';
import { expectWireCodecs, type ProducedRun } from './wire-batches.js';

const SCENARIO_TIMEOUT_MS = 120_000;

export interface ScenarioSetup {
  driver: () => ClientDriver;
  /** The broker's port, for raw requests that look at what the client sent. */
  port: () => number;
  /** Deletes topics for a client without an admin API (kcat). */
  deleteWith?: () => ClientDriver;
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(100);
  }
}

export function clientScenarios(setup: ScenarioSetup): void {
  const topicFor = (scenario: string): string => `${setup.driver().name}-${scenario}`;

  it('creates a topic (admin API, or auto-create on the first produce) and lists it', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const d = setup.driver();
    const topic = topicFor('create');
    await d.createTopic(topic, 3);
    if (d.creates === 'auto-create') await d.produce(topic, plainRecords(topic, 1), { partition: 0, codec: 'none' });
    const topics = await d.listTopics();
    assert.equal(topics.get(topic), d.creates === 'admin' ? 3 : 1, `${topic} in ${JSON.stringify([...topics])}`);
  });

  it('round-trips keyed records in every codec with headers, a null key, a tombstone and a 900 KB value', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const d = setup.driver();
    const topic = topicFor('roundtrip');
    const startedMs = Date.now();
    await d.createTopic(topic, 1);
    const expected: TestRecord[] = [];
    const runs: ProducedRun[] = [];
    for (const codec of CODECS) {
      const batch = codecBatch(d.name, codec);
      const offsets = await d.produce(topic, batch, { partition: 0, codec });
      expectOffsets(offsets, expected.length, batch.length, `${d.name} produce ${codec}`);
      runs.push({ codec, from: expected.length, count: batch.length });
      expected.push(...batch);
    }
    await expectWireCodecs(setup.port(), topic, d, runs);
    const big = bigRecord(d.name);
    expectOffsets(await d.produce(topic, [big], { partition: 0, codec: 'none' }), expected.length, 1, `${d.name} produce 900 KB`);
    expected.push(big);

    const consumed = await d.consume(topic, 0, { kind: 'beginning' }, expected.length);
    expectRecords(consumed, expected, { firstOffset: 0, notBeforeMs: startedMs, what: `${d.name} consume from the beginning` });
    assert.deepEqual(await d.listOffsets(topic, 0), { earliest: 0, latest: expected.length }, 'ListOffsets earliest/latest');

    // From an offset in the middle of a compressed batch: the records before it are skipped.
    const fromMiddle = await d.consume(topic, 0, { kind: 'offset', offset: 7 }, 3);
    expectRecords(fromMiddle, expected.slice(7, 10), { firstOffset: 7, notBeforeMs: startedMs, what: `${d.name} consume from offset 7` });
  });

  it('consumes from the end: only records produced after the consumer is positioned arrive', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const d = setup.driver();
    const topic = topicFor('from-end');
    const startedMs = Date.now();
    await d.createTopic(topic, 1);
    await d.produce(topic, plainRecords('old', 3), { partition: 0, codec: 'none' });
    const fresh = plainRecords('new', 2);
    const consumed = await d.consumeFromEnd(topic, 0, fresh.length, async () => {
      await d.produce(topic, fresh, { partition: 0, codec: 'lz4' });
    });
    expectRecords(consumed, fresh, { firstOffset: 3, notBeforeMs: startedMs, what: `${d.name} consume from the end` });
  });

  it('finds offsets by timestamp and consumes from a timestamp', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const d = setup.driver();
    const topic = topicFor('by-time');
    const startedMs = Date.now();
    await d.createTopic(topic, 1);
    await d.produce(topic, plainRecords('early', 3), { partition: 0, codec: 'gzip' });
    // Records carry the producer's CreateTime: leave a gap on both sides of the cut.
    await sleep(50);
    const cutMs = Date.now();
    await sleep(50);
    const late = plainRecords('late', 3);
    await d.produce(topic, late, { partition: 0, codec: 'snappy' });

    assert.equal(await d.offsetForTimestamp(topic, 0, 0), 0, 'offset for timestamp 0');
    assert.equal(await d.offsetForTimestamp(topic, 0, cutMs), 3, `offset for timestamp ${cutMs}`);
    const future = await d.offsetForTimestamp(topic, 0, Date.now() + 3_600_000);
    assert.equal(future, d.afterLastTimestamp === 'minus-one' ? -1 : 6, 'offset for a timestamp after every record');

    const consumed = await d.consume(topic, 0, { kind: 'timestamp', timestampMs: cutMs }, late.length);
    expectRecords(consumed, late, { firstOffset: 3, notBeforeMs: startedMs, what: `${d.name} consume from timestamp ${cutMs}` });
  });

  it('deletes the topic: it is gone from the metadata', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const d = setup.driver();
    const topic = topicFor('delete');
    await d.createTopic(topic, 2);
    await d.produce(topic, plainRecords(topic, 2), { partition: 0, codec: 'zstd' });
    assert.ok((await d.listTopics()).has(topic), `${topic} exists before the delete`);
    const deleter = d.deleteTopic ? d : setup.deleteWith?.();
    assert.ok(deleter?.deleteTopic, `${d.name} has no admin API and no other client was given to delete with`);
    await deleter.deleteTopic(topic);
    await waitUntil(`${d.name} no longer lists ${topic}`, 10_000, async () => !(await d.listTopics()).has(topic));
  });
}
