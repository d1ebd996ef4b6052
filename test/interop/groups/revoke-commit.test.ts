/**
 * librdkafka applications with enable.auto.commit=false commit synchronously in their
 * revoke callback. That commit reaches the coordinator while the group is rebalancing
 * (PreparingRebalance, the member still in the old generation); the coordinator must accept
 * it, or every rebalance would redeliver what was consumed since the last commit.
 * confluent-kafka member a consumes everything, then b joins: a's commit in on_revoke must
 * succeed and cover the log, and after the rebalance neither member gets an old record.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { killChildren } from '../../helpers/child-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { committedVsEnd, ConfluentMember, kafkaClient, SequenceProducer, seqValue } from './group-helpers.js';

const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0 };
const TOPIC = 'revoke-commit';
const GROUP = 'revoke-commit';
const PARTITIONS = 4;
const TEST_TIMEOUT_MS = 60_000;

test('confluent-kafka: a synchronous commit in on_revoke during a rebalance succeeds', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  t.after(() => killChildren());
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const bootstrap = broker.current.bootstrap;
  const kafka = kafkaClient(bootstrap, 'revoke-test');
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  const producer = new SequenceProducer(kafka, TOPIC, { batch: 40, intervalMs: 0, keys: 40 });
  t.after(() => producer.disconnect().catch(() => undefined));
  await producer.sendBatch();

  const member = (label: string): ConfluentMember =>
    new ConfluentMember(label, { bootstrap, group: GROUP, topic: TOPIC, config: { 'enable.auto.commit': false }, commitOnRevoke: true, timeoutMs: TEST_TIMEOUT_MS });
  const a = member('a');
  await waitFor('a to consume the 40 records', 15_000, () => (a.values().length >= 40 ? true : undefined));
  const old = new Set(producer.acked.map(seqValue));
  assert.deepEqual(new Set(a.values()), old);

  const b = member('b');
  const revoke = await waitFor("a's revoke callback", 15_000, () => a.all().find((e) => e.revoked && e.revoked.length > 0));
  assert.equal(revoke.revokeCommit, 'ok', `a's commit in on_revoke: ${revoke.revokeCommit}`);
  assert.equal(revoke.committed?.length, PARTITIONS, `it committed a position for every partition: ${JSON.stringify(revoke.committed)}`);
  const committed = await committedVsEnd(kafka, GROUP, TOPIC);
  assert.deepEqual(
    committed.map((p) => p.committed),
    committed.map((p) => p.end),
    `the revoke-time commit covers everything a consumed: ${JSON.stringify(committed)}`,
  );

  await waitFor('a and b to share the partitions', 15_000, () => (a.assignment().length > 0 && b.assignment().length > 0 ? true : undefined));
  const aBefore = a.values().length;
  const later = new SequenceProducer(kafka, TOPIC, { batch: 20, intervalMs: 0, keys: 40, firstSeq: 1_000 });
  t.after(() => later.disconnect().catch(() => undefined));
  await later.sendBatch();
  const wanted = later.acked.map(seqValue).sort();
  await waitFor('the new records to be consumed', 15_000, () => (a.values().length - aBefore + b.values().length >= wanted.length ? true : undefined));
  const afterRebalance = [...a.values().slice(aBefore), ...b.values()];
  assert.deepEqual(afterRebalance.filter((v) => old.has(v)), [], 'no record committed at revoke time is delivered again');
  assert.deepEqual([...afterRebalance].sort(), wanted);

  await b.stop();
  await a.stop();
  const revokeCommits = [...a.all(), ...b.all()].filter((e) => e.revokeCommit !== undefined).map((e) => e.revokeCommit);
  assert.ok(
    revokeCommits.every((r) => r === 'ok' || r === 'nothing to commit'),
    `every commit in on_revoke succeeded (including the ones when b leaves and on close): ${revokeCommits.join(', ')}`,
  );
  assert.deepEqual([...a.errors(), ...b.errors()], []);
});
