/**
 * Regression: the consumer stopped fetching a killed leader's partitions for good (the fault
 * test, 1 run in 8). Between a dead leader's registration vanishing and the controller's
 * election, a broker answers Metadata with a broker list that no longer holds the leader
 * while the partition still names it. The cache kept that node id as the leader; the broker
 * pool, given the new broker list, forgot the node; the fetcher asked the pool for a
 * connection to it, got null, and neither the pool (no such node: no connection events) nor
 * the fetcher (the node was not "failing") asked for another refresh. The partition waited
 * for metadata.max.age.ms (5 minutes) although the next refresh would have named the new
 * leader. Kafka's client treats a leader it cannot find among the brokers as no leader and
 * refreshes until it finds one; so do we now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apis, ApiKey, buildRecordBatch, ErrorCode } from '@samsa/protocol';
import { readFromZero } from '../helpers/offset-reader.js';
import { FakeBroker, respond, type Answer, type SeenRequest } from '../helpers/fake-broker.js';

type Phase = 'before' | 'window' | 'after';

test('a leader missing from the Metadata broker list is no leader: the consumer refreshes until the new leader is named, and reads on', async (t) => {
  let phase: Phase = 'before';
  let windowAnswers = 0;
  let logEnd = 10;
  const fetchesBy = new Map<number, number>();
  let a!: FakeBroker;
  let b!: FakeBroker;
  const handler = (nodeId: number) => (req: SeenRequest): Answer | void => {
    if (req.apiKey === ApiKey.ApiVersions) return;
    const body = apis.get(req.apiKey)!.decodeRequest(req.body, req.apiVersion) as any;
    if (req.apiKey === ApiKey.Metadata) {
      // The window lasts two answers, as the few hundred ms before an election would.
      if (phase === 'window' && ++windowAnswers > 2) phase = 'after';
      const brokers = [{ nodeId: 0, host: '127.0.0.1', port: a.port }];
      if (phase === 'before') brokers.push({ nodeId: 1, host: '127.0.0.1', port: b.port });
      const leaderId = phase === 'after' ? 0 : 1;
      const errorCode = phase === 'window' ? ErrorCode.LEADER_NOT_AVAILABLE : 0;
      return { body: { brokers, controllerId: 0, topics: [{ errorCode: 0, name: 't', partitions: [{ errorCode, partitionIndex: 0, leaderId, leaderEpoch: phase === 'after' ? 1 : 0, replicaNodes: [1, 0], isrNodes: [1, 0] }] }] } };
    }
    if (req.apiKey === ApiKey.Fetch) {
      fetchesBy.set(nodeId, (fetchesBy.get(nodeId) ?? 0) + 1);
      const p = body.topics[0].partitions[0];
      const from = Number(p.fetchOffset);
      const n = Math.min(5, logEnd - from);
      const records = n > 0 ? buildRecordBatch({ baseOffset: BigInt(from), partitionLeaderEpoch: 0, records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`r${from + i}`) })) }) : Buffer.alloc(0);
      const answer = { body: { responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: BigInt(logEnd), lastStableOffset: BigInt(logEnd), logStartOffset: 0n, abortedTransactions: null, records }] }] } };
      if (n > 0) return answer;
      setTimeout(() => respond(req, answer), 50); // fetch.max.wait.ms at the log end
      return 'silent';
    }
  };
  a = await FakeBroker.start(handler(0));
  b = await FakeBroker.start(handler(1));
  t.after(() => a.close());
  t.after(() => b.close());

  const { got, readUntil } = readFromZero(t, a.port);
  await readUntil(10, 5000);
  assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => i), 'read from broker 1 before it died');
  assert.equal(fetchesBy.get(0) ?? 0, 0);

  // Broker 1 dies (its port refuses); the next Metadata answers leave it out of the broker
  // list but still name it the leader, then name broker 0.
  phase = 'window';
  logEnd = 20;
  await b.close();
  await readUntil(20, 5000);
  assert.ok(windowAnswers >= 1, 'the consumer saw the window');
  assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i), `read on from broker 0 after the election (phase ${phase}, ${windowAnswers} window answers, fetches ${JSON.stringify([...fetchesBy])})`);
});
