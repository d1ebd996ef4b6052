/**
 * The fetcher's backpressure: a partition whose fetched records are not all handed out is
 * not fetched again, however long the application waits between polls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '@samsa/protocol';
import { Consumer } from '../../src/index.js';
import { fakeGroupBroker } from '../helpers/fake-group-broker.js';

test('no new fetch for a partition while its previous data is unconsumed; the next goes out once it is', async (t) => {
  const f = await fakeGroupBroker(t, { partitions: 1, batchRecords: 10, logEnd: 1000 });
  const c = new Consumer({ 'bootstrap.servers': `127.0.0.1:${f.broker.port}`, 'max.poll.records': 3, 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 50 });
  t.after(() => c.close(1000));
  c.assign([{ topic: 't', partition: 0 }]);
  const first = await c.poll(2000);
  assert.deepEqual(first.map((r) => r.offset), [0, 1, 2]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(f.requests(ApiKey.Fetch).length, 1, 'one fetch while 7 records wait');
  const got = [...first];
  while (got.length < 10) got.push(...(await c.poll(1000)));
  assert.deepEqual(got.map((r) => r.offset), Array.from({ length: 10 }, (_, i) => i));
  await new Promise((r) => setTimeout(r, 300));
  const fetches = f.requests(ApiKey.Fetch);
  assert.equal(fetches.length, 2, 'the next fetch went out once the first was used up, and only one (its data waits)');
  assert.equal(fetches[1].topics[0].partitions[0].fetchOffset, 10n);
  assert.equal(fetches[1].sessionId, 0, 'session-less');
  assert.equal(fetches[1].sessionEpoch, -1);
});

test('a paused partition keeps its fetched data and is not fetched; resume hands it out', async (t) => {
  const f = await fakeGroupBroker(t, { partitions: 2, batchRecords: 5, logEnd: 5 });
  const c = new Consumer({ 'bootstrap.servers': `127.0.0.1:${f.broker.port}`, 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 50 });
  t.after(() => c.close(1000));
  c.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
  c.pause([{ topic: 't', partition: 1 }]);
  const got = [];
  const deadline = Date.now() + 3000;
  while (got.length < 5 && Date.now() < deadline) got.push(...(await c.poll(200)));
  assert.deepEqual(got.map((r) => `${r.partition}:${r.offset}`), ['0:0', '0:1', '0:2', '0:3', '0:4']);
  assert.deepEqual(c.paused(), [{ topic: 't', partition: 1 }]);
  assert.ok(f.requests(ApiKey.Fetch).every((req) => req.topics.every((tt: any) => tt.partitions.every((p: any) => p.partition === 0))), 'the paused partition was never fetched');
  c.resume([{ topic: 't', partition: 1 }]);
  const more = [];
  while (more.length < 5 && Date.now() < deadline + 3000) more.push(...(await c.poll(200)));
  assert.deepEqual(more.map((r) => `${r.partition}:${r.offset}`), ['1:0', '1:1', '1:2', '1:3', '1:4']);
});
