import { ApiKey, ErrorCode, Fetch, SamsaError } from '@samsa/protocol';
import type { BrokerServices } from '../broker-services.js';
import { waitForData } from '../purgatory/delayed-fetch.js';
import type { Partition } from '../replication/partition.js';
import { defineHandler } from './handler.js';
import { leaderPartition, partitionErrorCode } from './partition-errors.js';

/** Kafka sends an empty record set, never null, for a partition in error: some clients misread null. */
const EMPTY = Buffer.alloc(0);

interface Wanted {
  topic: string;
  topicId: string;
  request: Fetch.FetchPartition;
  /** Set when the partition can be read; otherwise the response carries errorCode. */
  partition: Partition | null;
  errorCode: number;
}

/**
 * Fetch v4-17 for consumers and followers. A follower's fetch (replicaId >= 0, from v15 in
 * ReplicaState) reads up to the log end instead of the high watermark, and its fetch
 * offset is its log end: the leader records it (Partition.updateFollowerFetchState), which
 * may move the HW and the ISR. Long polling: when less than min_bytes is available the request
 * parks until data arrives on any of its partitions or max_wait_ms passes. Limits: max_bytes
 * for the response, partition_max_bytes per partition, and at least one whole batch of the
 * first non-empty partition even when it exceeds them (KIP-74), or a consumer would stall.
 * Fetch sessions (KIP-227) are declined cleanly: session id 0 tells the client to keep
 * sending full fetch requests.
 */
export const fetchHandler = defineHandler<Fetch.FetchRequest, Fetch.FetchResponseInput>({
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, req) {
    const { broker } = ctx;
    const v = ctx.header.apiVersion;
    if (v >= 7 && req.sessionId !== 0) {
      // An incremental fetch in a session we never created.
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const replicaId = v >= 15 ? req.replicaState.replicaId : req.replicaId;
    const follower = replicaId >= 0;
    // A broker cut off from its peers (in-process faults) hears no follower: the fetch is
    // dropped with its connection, as a lost network would.
    const checkPeers = (): void => {
      if (follower && !broker.peerNetwork.up) throw new SamsaError('CLOSED', `broker ${broker.nodeId} is cut off from broker ${replicaId}`);
    };
    checkPeers();
    const deadline = broker.clock.monotonic() + Math.max(0, req.maxWaitMs);
    const leased: Buffer[] = [];
    ctx.afterResponse(() => {
      for (const b of leased) broker.readBuffers.release(b);
    });
    for (let pass = 0; ; pass++) {
      // Resolved on every pass: a topic deleted (or a leadership lost) while the fetch was
      // parked is reported at once instead of after max_wait_ms.
      const wanted = resolve(broker, req, v);
      if (follower && pass === 0) {
        // Only an offset this leader holds is a log end it can vouch for: a follower ahead of
        // it (a divergent suffix not yet truncated) gets OFFSET_OUT_OF_RANGE and no credit.
        for (const w of wanted) {
          const offset = Number(w.request.fetchOffset);
          if (w.partition && offset >= w.partition.logStartOffset && offset <= w.partition.logEndOffset) w.partition.updateFollowerFetchState(replicaId, offset);
        }
      }
      const { responses, bytes } = await readAll(broker, wanted, req, v, leased, follower);
      const left = deadline - broker.clock.monotonic();
      const hasError = responses.some((t) => t.partitions.some((p) => p.errorCode !== 0));
      if (bytes >= Math.max(1, req.minBytes) || left <= 0 || hasError || wanted.every((w) => !w.partition)) {
        return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
      }
      // This pass's records are dropped: their buffers can serve the next read.
      for (const b of leased.splice(0)) broker.readBuffers.release(b);
      await waitForData(
        wanted.flatMap((w) => (w.partition ? [w.partition] : [])),
        left,
      );
      checkPeers();
    }
  },
});

function resolve(broker: BrokerServices, req: Fetch.FetchRequest, v: number): Wanted[] {
  const out: Wanted[] = [];
  for (const t of req.topics) {
    const info = v >= 13 ? broker.metadata.topicById(t.topicId) : broker.metadata.topic(t.topic);
    for (const p of t.partitions) {
      if (!info) {
        const errorCode = v >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        out.push({ topic: t.topic, topicId: t.topicId, request: p, partition: null, errorCode });
        continue;
      }
      const found = leaderPartition(broker, info.name, p.partition, v >= 9 ? p.currentLeaderEpoch : -1);
      out.push({ topic: info.name, topicId: info.topicId, request: p, partition: found.partition, errorCode: found.errorCode });
    }
  }
  return out;
}

/** Reads every wanted partition; `leased` collects the pooled buffers the response refers to. */
async function readAll(
  broker: BrokerServices,
  wanted: Wanted[],
  req: Fetch.FetchRequest,
  v: number,
  leased: Buffer[],
  follower: boolean,
): Promise<{ responses: Fetch.FetchableTopicResponseInput[]; bytes: number }> {
  let budget = Math.min(req.maxBytes > 0 ? req.maxBytes : broker.config.fetchMaxBytes, broker.config.fetchMaxBytes);
  let bytes = 0;
  const byTopic = new Map<string, Fetch.FetchableTopicResponseInput>();
  for (const w of wanted) {
    let topic = byTopic.get(w.topicId + w.topic);
    if (!topic) {
      topic = { topic: w.topic, topicId: w.topicId, partitions: [] };
      byTopic.set(w.topicId + w.topic, topic);
    }
    const p = w.partition;
    const base = { partitionIndex: w.request.partition, abortedTransactions: v >= 4 ? [] : null };
    if (!p) {
      topic.partitions.push({ ...base, errorCode: w.errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: EMPTY });
      continue;
    }
    const fetchOffset = Number(w.request.fetchOffset);
    const hw = p.highWatermark;
    // Followers copy everything the leader holds; consumers see only what the ISR has.
    const visibleEnd = follower ? p.logEndOffset : hw;
    const state = { highWatermark: BigInt(hw), lastStableOffset: BigInt(hw), logStartOffset: BigInt(p.logStartOffset) };
    if (fetchOffset < p.logStartOffset || fetchOffset > p.logEndOffset) {
      topic.partitions.push({ ...base, ...state, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: EMPTY });
      continue;
    }
    if (fetchOffset >= visibleEnd || (budget <= 0 && bytes > 0)) {
      topic.partitions.push({ ...base, ...state, errorCode: 0, records: EMPTY });
      continue;
    }
    try {
      const limit = Math.min(w.request.partitionMaxBytes, budget);
      const { records } = await p.log.read(fetchOffset, limit, { maxOffset: visibleEnd, minOneBatch: bytes === 0, pool: broker.readBuffers });
      if (records.length > 0) leased.push(records);
      bytes += records.length;
      budget -= records.length;
      topic.partitions.push({ ...base, ...state, errorCode: 0, records });
    } catch (e) {
      topic.partitions.push({ ...base, ...state, ...partitionErrorCode(broker, e, p.name), records: EMPTY });
    }
  }
  return { responses: [...byTopic.values()], bytes };
}
