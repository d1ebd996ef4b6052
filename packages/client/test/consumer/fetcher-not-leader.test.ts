/**
 * A fetch answered NOT_LEADER_OR_FOLLOWER asks for a metadata refresh; until the refresh
 * names another leader the cache names the same broker. The fetcher used to send the next
 * fetch to it at once, a loop of fetches answered with the same error at one per round trip.
 * The partition now waits for the next metadata update or retry.backoff.ms, whichever comes
 * first (refreshes themselves are spaced by retry.backoff.ms).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apis, ApiKey, buildRecordBatch, ErrorCode } from '@samsa/protocol';
import { readFromZero } from '../helpers/offset-reader.js';
import { FakeBroker, respond, type Answer, type SeenRequest } from '../helpers/fake-broker.js';

const MOVE_MS = 600;

test('after NOT_LEADER_OR_FOLLOWER the partition waits for the metadata refresh (or retry.backoff.ms) instead of asking the same broker again at once', async (t) => {
  let movingUntil = 0;
  let notLeaderAnswers = 0;
  let metadataWhileMoving = 0;
  let logEnd = 10;
  const handler = (req: SeenRequest): Answer | void => {
    if (req.apiKey === ApiKey.ApiVersions) return;
    const body = apis.get(req.apiKey)!.decodeRequest(req.body, req.apiVersion) as any;
    const moving = Date.now() < movingUntil;
    if (req.apiKey === ApiKey.Metadata) {
      // While the leadership moves the metadata still names this broker (no election yet).
      if (moving) metadataWhileMoving++;
      return { body: { brokers: [{ nodeId: 0, host: '127.0.0.1', port: broker.port }], controllerId: 0, topics: [{ errorCode: 0, name: 't', partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0] }] }] } };
    }
    if (req.apiKey === ApiKey.Fetch) {
      const p = body.topics[0].partitions[0];
      const from = Number(p.fetchOffset);
      const partition = { partitionIndex: 0, errorCode: 0, highWatermark: BigInt(logEnd), lastStableOffset: BigInt(logEnd), logStartOffset: 0n, abortedTransactions: null, records: Buffer.alloc(0) };
      if (moving) {
        notLeaderAnswers++;
        return { body: { responses: [{ topic: 't', partitions: [{ ...partition, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermark: -1n }] }] } };
      }
      const n = Math.min(5, logEnd - from);
      if (n > 0) return { body: { responses: [{ topic: 't', partitions: [{ ...partition, records: buildRecordBatch({ baseOffset: BigInt(from), partitionLeaderEpoch: 0, records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`r${from + i}`) })) }) }] }] } };
      setTimeout(() => respond(req, { body: { responses: [{ topic: 't', partitions: [partition] }] } }), 50); // fetch.max.wait.ms at the log end
      return 'silent';
    }
  };
  const broker = await FakeBroker.start(handler);
  t.after(() => broker.close());

  const { got, readUntil } = readFromZero(t, broker.port);
  await readUntil(10, 5000);
  assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => i));

  const movedAt = Date.now();
  movingUntil = movedAt + MOVE_MS;
  logEnd = 20;
  await readUntil(20, 10_000);
  assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i), `reads on once the refresh names the leader (${notLeaderAnswers} NOT_LEADER answers)`);
  assert.ok(metadataWhileMoving >= 2, `the consumer refreshed metadata during the move (${metadataWhileMoving} times)`);
  // At most one fetch per retry.backoff.ms (100 ms) or metadata update, with room for
  // timing; without the hold it is one per round trip, hundreds.
  const bound = Math.ceil(MOVE_MS / 100) * 2 + 4;
  t.diagnostic(`${notLeaderAnswers} fetches answered NOT_LEADER_OR_FOLLOWER and ${metadataWhileMoving} metadata refreshes in the ${MOVE_MS} ms move`);
  assert.ok(notLeaderAnswers <= bound, `${notLeaderAnswers} fetches answered NOT_LEADER_OR_FOLLOWER in ${MOVE_MS} ms (bound ${bound}; ${metadataWhileMoving} metadata refreshes)`);
  assert.ok(notLeaderAnswers >= 1);
});
