/**
 * `samsa start` on SIGTERM uses controlled shutdown: two broker processes on a real etcd,
 * a replicated topic led by broker 0; SIGTERM to broker 0 moves the leadership to broker 1
 * (one election, leader epoch + 1 as Metadata shows it) before the process exits, and the
 * records written before are all readable from broker 1.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Producer } from '@samsa/client';
import { startBrokerFor, waitForOutput } from '../helpers/broker-process.js';
import { killChildren, sleep } from '../helpers/child-process.js';
import { startEtcdFor } from '../helpers/etcd-process.js';
import { kcatConsume } from '../helpers/kcat.js';

after(killChildren);

const PREFIX = '/samsa-controlled-shutdown-test';

test('samsa start: SIGTERM moves the broker\'s leaderships to an in-sync replica before the process exits', async (t) => {
  const etcd = await startEtcdFor(t);
  const overrides = (id: number) => ({ 'node.id': id, 'broker.session.timeout.ms': 3_000, 'replica.lag.time.max.ms': 2_000, 'offsets.topic.replication.factor': 1 });
  const b0 = await startBrokerFor(t, { metadata: etcd.url(PREFIX), overrides: overrides(0), logLevel: 'info' });
  const b1 = await startBrokerFor(t, { metadata: etcd.url(PREFIX), overrides: overrides(1) });
  const admin = new Admin({ 'bootstrap.servers': b1.current.bootstrap });
  t.after(() => admin.close());
  const [created] = await admin.createTopics([{ topic: 'sigterm', replicaAssignment: { 0: [0, 1] } }]);
  assert.equal(created!.error, null, String(created!.error));
  const describe = async () => (await admin.describeTopics(['sigterm']))[0]!.partitions[0]!;
  const deadline = Date.now() + 15_000;
  while ((await describe()).isr.length < 2) {
    assert.ok(Date.now() < deadline, `ISR never reached [0,1]: ${JSON.stringify(await describe())}`);
    await sleep(100);
  }
  const producer = new Producer({ 'bootstrap.servers': b1.current.bootstrap, acks: 'all' });
  t.after(() => producer.close(2_000));
  for (let i = 0; i < 50; i++) await producer.send({ topic: 'sigterm', partition: 0, value: `r${i}` });
  const before = await describe();
  assert.equal(before.leader, 0);

  const started = Date.now();
  const code = await b0.current.stop();
  const ms = Date.now() - started;
  t.diagnostic(`broker 0 exited ${code} ${ms} ms after SIGTERM`);
  assert.equal(code, 0);
  await waitForOutput(b0.current, /controlled shutdown: leaderships moved/, 1_000);
  const afterStop = await describe();
  assert.equal(afterStop.leader, 1);
  assert.equal(afterStop.leaderEpoch, before.leaderEpoch + 1, 'moved once, before the session ended');
  const messages = await kcatConsume(b1.current.bootstrap, { topic: 'sigterm', partition: 0, offset: 'beginning', count: 50, exitAtEnd: true });
  assert.deepEqual(messages.map((m) => m.payload), Array.from({ length: 50 }, (_, i) => `r${i}`));
});
