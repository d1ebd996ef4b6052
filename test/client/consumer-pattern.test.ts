/**
 * subscribe(RegExp): the group member reads every topic the pattern matches, ignores the
 * others, and picks up a matching topic created later at the next metadata refresh
 * (metadata.max.age.ms), as Kafka's pattern subscription does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '@samsa/client';
import { consumerFor, FAST_GROUP, groupBroker, pollUntil, produceNumbered } from './consumer-fixture.js';

test('a pattern subscription reads matching topics, skips others, and follows a matching topic created later', { timeout: 90_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 2 });
  const bootstrap = broker.current.bootstrap;
  await produceNumbered(bootstrap, 'pat-a', 20, { partitions: 2, prefix: 'a' });
  await produceNumbered(bootstrap, 'other', 20, { partitions: 2, prefix: 'o' });
  const c = consumerFor(t, { 'bootstrap.servers': bootstrap, 'group.id': 'pattern', 'auto.offset.reset': 'earliest', 'metadata.max.age.ms': 500, ...FAST_GROUP });
  c.subscribe(/^pat-/);
  const first = await pollUntil(c, (a) => a.length >= 20, 20_000, 'pat-a records');
  assert.ok(first.every((r) => r.topic === 'pat-a'), 'only the matching topic is read');

  const admin = new Admin({ 'bootstrap.servers': bootstrap });
  t.after(() => admin.close());
  const [created] = await admin.createTopics([{ topic: 'pat-b', numPartitions: 1 }]);
  assert.equal(created?.error ?? null, null);
  await produceNumbered(bootstrap, 'pat-b', 10, { partitions: 1, prefix: 'b' });
  const later = await pollUntil(c, (a) => a.filter((r) => r.topic === 'pat-b').length >= 10, 30_000, 'pat-b records');
  assert.ok(later.every((r) => r.topic !== 'other'), 'a non-matching topic is never read');
  assert.deepEqual(
    c.assignment().map((tp) => `${tp.topic}-${tp.partition}`).sort(),
    ['pat-a-0', 'pat-a-1', 'pat-b-0'],
  );
  await c.close();
});
