/**
 * Regression (the fault test's stall, 1 run in 8): after a leader was killed, our consumer
 * stopped fetching its partitions for good, with no error and no rebalance.
 *
 * The sequence: the leader dies; its registration vanishes (lease expiry, or a liveness
 * probe ending its session) a moment before the controller writes the new leader. A
 * Metadata answer in that moment lists the brokers without the dead one but still names it
 * the partition's leader. The client's cache kept that leader id and the broker pool dropped
 * the node, so the fetcher found no connection to ask for and no reason to refresh again:
 * the partition waited for metadata.max.age.ms (5 minutes).
 *
 * Two fixes, either of which ends the stall: the client treats a leader missing from the
 * broker list as no leader and refreshes until it finds one (as Kafka's client does; Kafka
 * brokers can send such a leader, e.g. with LISTENER_NOT_FOUND), and the broker reports a
 * leader whose registration is gone as -1 (as Kafka's metadata cache does). The client's
 * half alone is pinned by packages/client/test/consumer/fetcher-leader-gone.test.ts.
 *
 * Here the moment is held open: the controller is paused (with a long session, so nobody
 * replaces it) while the leader, whose session is short, is killed; its registration
 * vanishes, no election follows until the controller resumes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, Producer } from '@samsa/client';
import { ErrorCode } from '@samsa/protocol';
import { openClient } from '../client/fixture.js';
import { kcatMetadata } from '../helpers/kcat.js';
import { cluster, replicatedTopic } from './fixture.js';

test('a killed leader deregistered before its election: Metadata (and kcat) show no leader, and a consumer reads on from the new leader', async (t) => {
  // Brokers 0 and 1 keep their sessions through a 30 s pause; broker 2 (the leader to kill) has the test's 1.5 s.
  const c = await cluster(t, { brokers: 3, brokerConfig: (id): Record<string, number> => (id === 2 ? {} : { 'broker.session.timeout.ms': 30_000 }) });
  if (c.controller()?.nodeId === 2) {
    // The controller must outlive a pause: move it off broker 2 (the others prove it dead at once).
    const old = c.broker(2);
    await old.kill();
    await c.waitFor('a controller other than broker 2', () => { const now = c.controller(); return now && now !== old; }, 5_000);
    await old.restart();
  }
  const controller = c.controller()!;
  const follower = c.brokers.find((b) => b.nodeId !== 2 && b !== controller)!;
  const leader = c.broker(2);
  await c.waitFor('broker 2 registered', () => follower.broker.services.metadata.brokers.has(2), 5_000);
  await replicatedTopic(c, 'gone', 2, {}, [2, follower.nodeId]);

  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, 'linger.ms': 1 });
  t.after(() => producer.close(2_000));
  // Only the follower as bootstrap: the consumer's refreshes never wait on the paused controller.
  const consumer = new Consumer({ 'bootstrap.servers': follower.address, 'fetch.max.wait.ms': 100, 'retry.backoff.ms': 100, 'request.timeout.ms': 3_000, 'metadata.max.age.ms': 300_000 });
  const tp = { topic: 'gone', partition: 0 };
  consumer.assign([tp]);
  consumer.seek(tp, 0);
  const got: string[] = [];
  let polling = true;
  const loop = (async () => {
    while (polling) for (const r of await consumer.poll(100)) got.push(r.value!.toString());
  })();
  t.after(async () => {
    polling = false;
    await loop;
    await consumer.close(2_000);
  });
  const readCount = (n: number, what: string, ms: number) => c.waitFor(`${what} (read ${n})`, () => got.length >= n, ms).catch(() => assert.fail(`${what}: read ${got.length} of ${n}: ${JSON.stringify(got)}\n${c.dump()}`));

  await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'gone', value: `before-${i}` })));
  await readCount(10, 'the records from the first leader', 10_000);

  controller.pause();
  t.after(() => {
    if (controller.status === 'paused') controller.resume();
  });
  await leader.kill();
  await c.waitFor("broker 2's registration gone while the controller is paused", () => !follower.broker.services.metadata.brokers.has(2), 5_000);
  // The consumer's refreshes (it retries the dead leader every retry.backoff.ms and asks for
  // metadata each time) now get the broker list without broker 2 and leader 2 for gone-0.
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal((await c.partitionState('gone', 0))?.leader, 2, 'no election while the controller is paused');
  const md = await (await openClient(t, follower.port)).metadata(['gone'], false, 12);
  assert.deepEqual(md.brokers.map((b) => b.nodeId).sort(), [0, 1]);
  const p0 = md.topics[0]!.partitions[0]!;
  assert.deepEqual([p0.leaderId, p0.errorCode, p0.leaderEpoch], [-1, ErrorCode.LEADER_NOT_AVAILABLE, 0], 'the dead leader is reported as none, with the epoch it had');
  const kcat = await kcatMetadata(follower.address, 'gone');
  assert.equal(kcat.topics.find((x) => x.topic === 'gone')?.partitions[0]?.leader, -1, 'kcat -L sees no leader');

  controller.resume();
  await c.waitFor(`gone-0 led by broker ${follower.nodeId}`, async () => (await c.partitionState('gone', 0))?.leader === follower.nodeId, 10_000);
  await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'gone', value: `after-${i}` })));
  // Without the fix the consumer waited for metadata.max.age.ms (5 minutes) here.
  await readCount(20, 'the records from the new leader', 10_000);
  assert.deepEqual(got, [...Array.from({ length: 10 }, (_, i) => `before-${i}`), ...Array.from({ length: 10 }, (_, i) => `after-${i}`)]);
});
