/**
 * A scripted one-broker cluster for the consumer's unit tests, on top of FakeBroker: topic
 * `t` with `partitions` partitions, this broker the leader and the group coordinator. Group
 * answers come from per-API queues of error codes (empty queue: success), so a test can
 * script "NOT_COORDINATOR, then success". Fetch answers `batchRecords` records from the asked
 * offset, as long as the log (`logEnd`) has them.
 */
import { apis, ApiKey, buildRecordBatch, encodeAssignment, type JoinGroup } from '@samsa/protocol';
import { FakeBroker, respond, type Answer, type SeenRequest } from './fake-broker.js';

export interface GroupScript {
  join: number[];
  sync: number[];
  heartbeat: number[];
  commit: number[];
}

export interface FakeGroupBroker {
  broker: FakeBroker;
  script: GroupScript;
  /** Decoded requests by API key, in arrival order. */
  requests(apiKey: number): any[];
  logEnd: number;
  committed: Map<number, bigint>;
}

export async function fakeGroupBroker(t: { after(fn: () => unknown): void }, o: { partitions?: number; batchRecords?: number; logEnd?: number } = {}): Promise<FakeGroupBroker> {
  const partitions = o.partitions ?? 1;
  const script: GroupScript = { join: [], sync: [], heartbeat: [], commit: [] };
  const decoded = new Map<number, any[]>();
  let generation = 0;
  let memberSeq = 0;
  const state: FakeGroupBroker = { broker: null!, script, requests: (k) => decoded.get(k) ?? [], logEnd: o.logEnd ?? 1000, committed: new Map() };
  const broker = await FakeBroker.start((req: SeenRequest): Answer | void => {
    if (req.apiKey === ApiKey.ApiVersions) return;
    const body = apis.get(req.apiKey)!.decodeRequest(req.body, req.apiVersion) as any;
    if (!decoded.has(req.apiKey)) decoded.set(req.apiKey, []);
    decoded.get(req.apiKey)!.push(body);
    switch (req.apiKey) {
      case ApiKey.Metadata:
        return {
          body: {
            brokers: [{ nodeId: 0, host: '127.0.0.1', port: broker.port }],
            controllerId: 0,
            topics: [{ errorCode: 0, name: 't', partitions: Array.from({ length: partitions }, (_, i) => ({ errorCode: 0, partitionIndex: i, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0] })) }],
          },
        };
      case ApiKey.FindCoordinator:
        return { body: { coordinators: [{ key: body.coordinatorKeys[0], nodeId: 0, host: '127.0.0.1', port: broker.port, errorCode: 0, errorMessage: null }] } };
      case ApiKey.JoinGroup: {
        const code = script.join.shift() ?? 0;
        const memberId = body.memberId === '' ? `member-${++memberSeq}` : body.memberId;
        if (code !== 0) return { body: { errorCode: code, generationId: -1, protocolName: null, leader: '', memberId: code === 79 ? memberId : body.memberId, members: [] } };
        const protocol = (body as JoinGroup.JoinGroupRequest).protocols[0]!;
        return { body: { errorCode: 0, generationId: ++generation, protocolType: 'consumer', protocolName: protocol.name, leader: memberId, memberId, members: [{ memberId, groupInstanceId: body.groupInstanceId ?? null, metadata: protocol.metadata }] } };
      }
      case ApiKey.SyncGroup: {
        const code = script.sync.shift() ?? 0;
        const mine = body.assignments.find((a: any) => a.memberId === body.memberId);
        return { body: { errorCode: code, protocolType: 'consumer', protocolName: body.protocolName, assignment: code === 0 && mine ? mine.assignment : encodeAssignment({ assignedPartitions: [] }) } };
      }
      case ApiKey.Heartbeat:
        return { body: { errorCode: script.heartbeat.shift() ?? 0 } };
      case ApiKey.LeaveGroup:
        return { body: { errorCode: 0, members: [] } };
      case ApiKey.OffsetFetch:
        return {
          body: {
            groups: body.groups.map((g: any) => ({
              groupId: g.groupId,
              errorCode: 0,
              topics: g.topics.map((tt: any) => ({ name: tt.name, partitions: tt.partitionIndexes.map((p: number) => ({ partitionIndex: p, committedOffset: state.committed.get(p) ?? -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 })) })),
            })),
          },
        };
      case ApiKey.OffsetCommit: {
        const code = script.commit.shift() ?? 0;
        for (const tt of body.topics) for (const p of tt.partitions) if (code === 0) state.committed.set(p.partitionIndex, p.committedOffset);
        return { body: { topics: body.topics.map((tt: any) => ({ name: tt.name, partitions: tt.partitions.map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })) } };
      }
      case ApiKey.ListOffsets:
        return { body: { topics: body.topics.map((tt: any) => ({ name: tt.name, partitions: tt.partitions.map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode: 0, timestamp: -1n, offset: p.timestamp === -2n ? 0n : BigInt(state.logEnd), leaderEpoch: 0 })) })) } };
      case ApiKey.Fetch: {
        const answer = {
          body: {
            responses: body.topics.map((tt: any) => ({
              topic: tt.topic,
              partitions: tt.partitions.map((p: any) => {
                const from = Number(p.fetchOffset);
                const n = Math.min(o.batchRecords ?? 10, state.logEnd - from);
                const records = n > 0 ? buildRecordBatch({ baseOffset: BigInt(from), partitionLeaderEpoch: 0, records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`r-${p.partition}-${from + i}`) })) }) : Buffer.alloc(0);
                return { partitionIndex: p.partition, errorCode: 0, highWatermark: BigInt(state.logEnd), lastStableOffset: BigInt(state.logEnd), logStartOffset: 0n, abortedTransactions: null, records };
              }),
            })),
          },
        };
        // An empty answer waits, as a broker's fetch.max.wait.ms would, so the consumer does not spin.
        const empty = answer.body.responses.every((r: any) => r.partitions.every((p: any) => p.records.length === 0));
        if (!empty) return answer;
        setTimeout(() => respond(req, answer), 50);
        return 'silent';
      }
      default:
        return;
    }
  });
  state.broker = broker;
  t.after(() => broker.close());
  return state;
}
