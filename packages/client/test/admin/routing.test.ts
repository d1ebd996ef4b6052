/**
 * Where admin requests go and how they are retried, against scripted brokers: the
 * controller for topic admin (NOT_CONTROLLER retried), the partition leaders for
 * ListOffsets (one request per leader; a leader move retried), the coordinator for groups
 * (NOT_COORDINATOR makes it look the coordinator up again), and the deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ApiKey, encodeAssignment, encodeSubscription, ErrorCode } from '@samsa/protocol';
import { Admin, KafkaProtocolError, SamsaClientError } from '../../src/index.js';
import { fakeCluster } from './fake-cluster.js';

const created = (name: string, errorCode = 0) => ({ name, errorCode, errorMessage: null, numPartitions: 1, replicationFactor: 1, configs: [] });

test('createTopics goes to the controller and retries a topic answered NOT_CONTROLLER; the other topic keeps its own result', async (t) => {
  const c = await fakeCluster(t, 2, (req, n) => {
    if (req.apiKey !== ApiKey.CreateTopics) return;
    const names = (req.body['topics'] as Array<{ name: string }>).map((x) => x.name);
    // The first answer: a moved controller for "a", a final error for "b".
    if (n === 0) return { body: { topics: names.map((name) => created(name, name === 'a' ? ErrorCode.NOT_CONTROLLER : ErrorCode.TOPIC_ALREADY_EXISTS)) } };
    return { body: { topics: names.map((name) => created(name)) } };
  }, { controllerId: 1, topics: {} });
  const results = await c.admin().createTopics([{ topic: 'a', numPartitions: 1 }, { topic: 'b' }]);
  assert.equal(results[0]!.error, null);
  assert.ok(results[1]!.error instanceof KafkaProtocolError);
  assert.equal(results[1]!.error.type, 'TOPIC_ALREADY_EXISTS');
  assert.equal(c.count(ApiKey.CreateTopics, 1), 2, 'both requests went to the controller, broker 1');
  assert.equal(c.count(ApiKey.CreateTopics, 0), 0);
  const retried = c.seen.filter((s) => s.apiKey === ApiKey.CreateTopics)[1]!;
  assert.deepEqual((retried.body['topics'] as Array<{ name: string }>).map((x) => x.name), ['a'], 'only the retriable topic is sent again');
});

test('a topic still answered NOT_CONTROLLER at the deadline settles with that error; the call resolves within its timeout', async (t) => {
  const c = await fakeCluster(t, 1, (req) => (req.apiKey === ApiKey.CreateTopics ? { body: { topics: [created('a', ErrorCode.NOT_CONTROLLER)] } } : undefined));
  const started = Date.now();
  const [r] = await c.admin().createTopics([{ topic: 'a' }], { timeoutMs: 400 });
  assert.equal(r!.error?.type, 'NOT_CONTROLLER');
  assert.ok(Date.now() - started < 2000, `settled in ${Date.now() - started} ms`);
  assert.ok(c.count(ApiKey.CreateTopics) >= 2, 'retried before giving up');
});

test('listOffsets sends one request per partition leader and follows a leader that moved', async (t) => {
  const model = { controllerId: 0, topics: { t: [0, 1, 1] } };
  const c = await fakeCluster(t, 2, (req, n) => {
    if (req.apiKey !== ApiKey.ListOffsets) return;
    const topics = req.body['topics'] as Array<{ name: string; partitions: Array<{ partitionIndex: number }> }>;
    const moved = req.node === 0 && n === 0;
    // Broker 0 says partition 0 left it; metadata then names broker 1.
    if (moved) model.topics.t = [1, 1, 1];
    return {
      body: {
        topics: topics.map((tp) => ({
          name: tp.name,
          partitions: tp.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: moved ? ErrorCode.NOT_LEADER_OR_FOLLOWER : 0, timestamp: -1n, offset: BigInt(100 + p.partitionIndex), leaderEpoch: 0 })),
        })),
      },
    };
  }, model);
  const res = await c.admin().listOffsets([0, 1, 2].map((partition) => ({ topic: 't', partition, spec: 'latest' as const })));
  assert.deepEqual(res.map((r) => [r.partition, r.offset, r.error]), [[0, 100, null], [1, 101, null], [2, 102, null]]);
  const lists = c.seen.filter((s) => s.apiKey === ApiKey.ListOffsets);
  const partitionsOf = (s: (typeof lists)[number]) => (s.body['topics'] as Array<{ partitions: Array<{ partitionIndex: number }> }>).flatMap((x) => x.partitions.map((p) => p.partitionIndex));
  assert.deepEqual(partitionsOf(lists.find((s) => s.node === 0)!), [0]);
  assert.deepEqual(partitionsOf(lists.find((s) => s.node === 1)!), [1, 2], "broker 1's partitions in one request");
  assert.deepEqual(partitionsOf(lists[2]!), [0], 'then partition 0 again, at its new leader');
  assert.equal(lists[2]!.node, 1);
});

test('describeGroups looks the coordinator up again after NOT_COORDINATOR and decodes consumer subscriptions and assignments', async (t) => {
  const coordinatorOf = (n: number) => (n === 0 ? 0 : 1);
  const c = await fakeCluster(t, 2, (req, n) => {
    if (req.apiKey === ApiKey.FindCoordinator) {
      const nodeId = coordinatorOf(n);
      return { body: { coordinators: [{ key: 'g', nodeId, host: '127.0.0.1', port: c.brokers[nodeId]!.port, errorCode: 0, errorMessage: null }] } };
    }
    if (req.apiKey !== ApiKey.DescribeGroups) return;
    if (req.node === 0) return { body: { groups: [{ errorCode: ErrorCode.NOT_COORDINATOR, groupId: 'g', groupState: '', protocolType: '', protocolData: '', members: [] }] } };
    return {
      body: {
        groups: [
          {
            errorCode: 0,
            groupId: 'g',
            groupState: 'Stable',
            protocolType: 'consumer',
            protocolData: 'range',
            members: [
              {
                memberId: 'm1',
                groupInstanceId: null,
                clientId: 'c1',
                clientHost: '/127.0.0.1',
                memberMetadata: encodeSubscription({ topics: ['t'], userData: null }),
                memberAssignment: encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: [0, 1] }], userData: null }),
              },
            ],
          },
        ],
      },
    };
  });
  const [g] = await c.admin().describeGroups(['g']);
  assert.equal(g!.error, null);
  assert.equal(g!.coordinator, 1);
  assert.equal(g!.state, 'Stable');
  assert.equal(g!.protocol, 'range');
  assert.deepEqual(g!.members[0]!.subscription?.topics, ['t']);
  assert.deepEqual(g!.members[0]!.assignment?.partitions, [{ topic: 't', partitions: [0, 1] }]);
  assert.equal(c.count(ApiKey.FindCoordinator), 2, 'asked for the coordinator again');
});

test('describeCluster uses Metadata when the broker does not speak DescribeCluster', async (t) => {
  const c = await fakeCluster(t, 2, () => undefined, { controllerId: 1, topics: {} }, [ApiKey.DescribeCluster]);
  const d = await c.admin().describeCluster();
  assert.equal(d.clusterId, 'fake-cluster');
  assert.equal(d.controllerId, 1);
  assert.equal(d.controller?.port, c.brokers[1]!.port);
  assert.deepEqual(d.brokers.map((b) => b.nodeId), [0, 1]);
  assert.equal(c.count(ApiKey.DescribeCluster), 0);
});

test('a call with no reachable broker rejects with API_TIMEOUT at its deadline, and close() fails calls in progress with CLOSED', async () => {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((res) => server.close(() => res()));
  const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${port}`, 'request.timeout.ms': 200, 'default.api.timeout.ms': 500, 'reconnect.backoff.ms': 10, 'retry.backoff.ms': 20 });
  const started = Date.now();
  await assert.rejects(admin.listTopics(), (e: unknown) => e instanceof SamsaClientError && e.code === 'API_TIMEOUT' && /ECONNREFUSED|backoff/.test(e.message));
  assert.ok(Date.now() - started < 1500, `rejected after ${Date.now() - started} ms`);
  const pending = admin.describeCluster({ timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 50));
  await admin.close();
  await assert.rejects(pending, (e: unknown) => e instanceof SamsaClientError && e.code === 'CLOSED');
  await assert.rejects(admin.listTopics(), (e: unknown) => e instanceof SamsaClientError && e.code === 'CLOSED');
});

test('admin settings: Kafka names only, and default.api.timeout.ms not below request.timeout.ms', () => {
  assert.throws(() => new Admin({ 'bootstrap.servers': '127.0.0.1:1', 'linger.ms': 5 } as never), (e: unknown) => e instanceof SamsaClientError && e.code === 'CONFIG_INVALID' && /linger\.ms/.test(e.message));
  assert.throws(() => new Admin({ 'bootstrap.servers': '127.0.0.1:1', 'default.api.timeout.ms': 100 }), /default\.api\.timeout\.ms \(100\) must be at least request\.timeout\.ms \(30000\)/);
  const a = new Admin({ 'bootstrap.servers': '127.0.0.1:1' });
  assert.equal(a.settings.defaultApiTimeoutMs, 60000);
  assert.equal(a.settings.requestTimeoutMs, 30000);
  void a.close();
});

test('bad arguments reject with INVALID_ARGUMENT before anything is sent', async (t) => {
  const c = await fakeCluster(t, 1, () => undefined);
  const admin = c.admin();
  const invalid = (e: unknown) => e instanceof SamsaClientError && e.code === 'INVALID_ARGUMENT';
  await assert.rejects(admin.listOffsets([{ topic: 't', partition: 0, spec: 'newest' as never }]), invalid);
  await assert.rejects(admin.listOffsets([{ topic: 't', partition: 0, spec: 'latest' }, { topic: 't', partition: 0, spec: 'earliest' }]), invalid);
  await assert.rejects(admin.resetConsumerGroupOffsets('g', { topic: 't', to: { shift: 1 } as never }), invalid);
  await assert.rejects(admin.createPartitions({ t: 0 }), invalid);
  await assert.rejects(admin.describeConfigs([{ type: 'broker', name: 'one' }]), invalid);
  assert.equal(c.seen.length, 0);
});
