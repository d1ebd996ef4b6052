/**
 * Static membership (KIP-345) with confluent-kafka (librdkafka): kafkajs has no
 * group.instance.id. Member a has group.instance.id and leads; member b is dynamic. a's
 * process is killed (-9: no LeaveGroup, no commit) and started again within its session
 * timeout. It must rejoin without a rebalance: it gets its old partitions back, b sees no
 * revocation and no new assignment, and DescribeGroups shows the group Stable throughout
 * with a's new member id under the same instance id. (The raw-protocol test
 * test/broker/groups/static-member.test.ts checks the generation number itself.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { killChildren, sleep } from '../../helpers/child-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { openClient } from '../../helpers/raw-client.js';
import { describeGroup } from '../../helpers/raw-group.js';
import { ConfluentMember, kafkaClient, SequenceProducer } from './group-helpers.js';

const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0 };
const TOPIC = 'static-members';
const GROUP = 'static-members';
const PARTITIONS = 4;
const TEST_TIMEOUT_MS = 60_000;
const SESSION_TIMEOUT_MS = 10_000;

test('confluent-kafka: a static member restarted within its session timeout rejoins without a rebalance', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  t.after(() => killChildren());
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const bootstrap = broker.current.bootstrap;
  const raw = await openClient(t, broker.current.port, 'static-test');
  await raw.createTopic(TOPIC, PARTITIONS);
  const kafka = kafkaClient(bootstrap, 'static-test');
  const producer = new SequenceProducer(kafka, TOPIC, { batch: 8, intervalMs: 50, keys: 32 });
  t.after(() => producer.disconnect().catch(() => undefined));

  const member = (label: string, instanceId: string | null): ConfluentMember =>
    new ConfluentMember(label, {
      bootstrap,
      group: GROUP,
      topic: TOPIC,
      config: { 'session.timeout.ms': SESSION_TIMEOUT_MS, 'enable.auto.commit': true, 'auto.commit.interval.ms': 200, ...(instanceId ? { 'group.instance.id': instanceId } : {}) },
      timeoutMs: TEST_TIMEOUT_MS,
    });
  const described = async (): Promise<{ state: string; members: Array<[string | null, string]> }> => {
    const g = await describeGroup(raw, GROUP);
    return { state: g.groupState, members: g.members.map((m): [string | null, string] => [m.groupInstanceId, m.memberId]).sort() };
  };

  const a = member('a', 'static-a');
  await waitFor('a to be assigned every partition', 15_000, () => (a.assignment().length === PARTITIONS ? true : undefined));
  const b = member('b', null);
  await waitFor('a and b to share the partitions', 15_000, () => {
    const pa = a.assignment();
    const pb = b.assignment();
    return pa.length > 0 && pb.length > 0 && pa.length + pb.length === PARTITIONS && new Set([...pa, ...pb]).size === PARTITIONS ? true : undefined;
  });
  await producer.start();
  await waitFor('both to consume', 10_000, () => (a.values().length > 0 && b.values().length > 0 ? true : undefined));
  const before = await described();
  assert.equal(before.state, 'Stable');
  const aMemberId = before.members.find(([instance]) => instance === 'static-a')?.[1];
  assert.ok(aMemberId, `a is listed with its instance id: ${JSON.stringify(before.members)}`);
  const aPartitions = a.assignment();
  const bPartitions = b.assignment();
  const bEvents = b.rebalanceEvents().length;

  // a crashes and comes back well within its session timeout.
  const crashedAt = Date.now();
  await a.crash();
  const a2 = member('a2', 'static-a');
  await waitFor('the restarted a to be assigned', 10_000, () => (a2.assignment().length > 0 ? true : undefined));
  assert.ok(Date.now() - crashedAt < SESSION_TIMEOUT_MS, 'a rejoined within its session timeout');
  assert.deepEqual(a2.assignment(), aPartitions, 'the restarted member gets its old partitions');

  // Give b several heartbeats (500 ms apart) to hear of a rebalance, were there one.
  const bConsumed = b.values().length;
  await sleep(2_000);
  const after = await described();
  assert.equal(after.state, 'Stable');
  assert.equal(after.members.length, 2);
  const a2MemberId = after.members.find(([instance]) => instance === 'static-a')?.[1];
  assert.ok(a2MemberId && a2MemberId !== aMemberId, `the restarted member has a new member id under the same instance id: ${JSON.stringify(after.members)}`);
  assert.deepEqual(
    after.members.filter(([instance]) => instance !== 'static-a'),
    before.members.filter(([instance]) => instance !== 'static-a'),
    'b is still the same member',
  );
  assert.equal(b.rebalanceEvents().length, bEvents, `b saw no revocation or new assignment: ${JSON.stringify(b.rebalanceEvents())}`);
  assert.deepEqual(b.assignment(), bPartitions);
  await waitFor('both to keep consuming', 10_000, () => (a2.values().length > 0 && b.values().length > bConsumed ? true : undefined));
  assert.deepEqual([...a.errors(), ...a2.errors(), ...b.errors()], [], 'no consumer reported an error');
  await producer.stop();
  await b.stop();
  await a2.crash();
});
