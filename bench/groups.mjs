#!/usr/bin/env node
// Consumer-group coordinator figures against `samsa start`:
//  - rebalance time of a new group of N members (default 10), from the first JoinGroup sent
//    to the last SyncGroup answered (Stable), over the raw protocol, KIP-394 handshake
//    included; the broker runs with group.initial.rebalance.delay.ms=0 (Kafka's default of
//    3000 ms would add exactly that to every figure);
//  - OffsetCommit throughput: pipelined commits (one partition each, and 50 partitions each)
//    from a member of a stable group, commits/s and offsets/s.
//   npx tsc -b && node bench/groups.mjs [--members=10] [--rounds=20] [--duration.ms=3000] [--inflight=8]
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey, ErrorCode } from '../packages/protocol/dist/src/index.js';
import { cleanupAll, makeTempDir, removeTempDir, startBroker } from './lib/broker-process.mjs';
import { Histogram } from './lib/histogram.mjs';
import { KafkaConnection, encodeBody } from './lib/kafka-connection.mjs';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const members = Number(flags.members ?? 10);
const rounds = Number(flags.rounds ?? 20);
const durationMs = Number(flags['duration.ms'] ?? 3000);
const inflight = Number(flags.inflight ?? 8);
const JOIN_V = 7;
const SYNC_V = 5;
const COMMIT_V = 8;

const protocols = [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, 5, 0x62, 0x65, 0x6e, 0x63, 0x68, 0xff, 0xff, 0xff, 0xff]) }];

function join_(conn, groupId, memberId) {
  return conn.request(ApiKey.JoinGroup, JOIN_V, { groupId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, protocolType: 'consumer', protocols });
}

/** Forms a group of `n` members on `conns`; returns { ms, generationId, memberIds }. */
async function formGroup(conns, groupId) {
  const t0 = performance.now();
  const first = await Promise.all(conns.map((c) => join_(c, groupId, '')));
  for (const r of first) if (r.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) throw new Error(`first join: error ${r.errorCode}`);
  const joined = await Promise.all(conns.map((c, i) => join_(c, groupId, first[i].memberId)));
  for (const r of joined) if (r.errorCode !== 0) throw new Error(`join: error ${r.errorCode}`);
  const leader = joined.find((r) => r.memberId === r.leader);
  const assignments = leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from([0, 0]) }));
  const synced = await Promise.all(
    conns.map((c, i) =>
      c.request(ApiKey.SyncGroup, SYNC_V, {
        groupId,
        generationId: joined[i].generationId,
        memberId: joined[i].memberId,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: joined[i].memberId === joined[i].leader ? assignments : [],
      }),
    ),
  );
  for (const r of synced) if (r.errorCode !== 0) throw new Error(`sync: error ${r.errorCode}`);
  return { ms: performance.now() - t0, generationId: joined[0].generationId, memberIds: joined.map((r) => r.memberId) };
}

async function commitThroughput(conn, groupId, generationId, memberId, topic, partitionsPerCommit) {
  const body = encodeBody(ApiKey.OffsetCommit, COMMIT_V, {
    groupId,
    generationIdOrMemberEpoch: generationId,
    memberId,
    topics: [{ name: topic, partitions: Array.from({ length: partitionsPerCommit }, (_, p) => ({ partitionIndex: p, committedOffset: 42n, committedMetadata: '' })) }],
  });
  const latency = new Histogram();
  let done = 0;
  let failed = 0;
  const deadline = performance.now() + durationMs;
  await new Promise((resolve) => {
    let open = 0;
    const pump = () => {
      while (open < inflight && performance.now() < deadline) {
        open++;
        conn.send(ApiKey.OffsetCommit, COMMIT_V, body, (e, res, sentAt) => {
          open--;
          if (e || res.topics.some((t) => t.partitions.some((p) => p.errorCode !== 0))) failed++;
          else {
            done++;
            latency.recordMs(performance.now() - sentAt);
          }
          if (performance.now() < deadline) pump();
          else if (open === 0) resolve();
        });
      }
    };
    pump();
  });
  const seconds = durationMs / 1000;
  return { partitionsPerCommit, commitsPerSec: Math.round(done / seconds), offsetsPerSec: Math.round((done * partitionsPerCommit) / seconds), failed, p50Ms: latency.percentileMs(50), p99Ms: latency.percentileMs(99) };
}

const dataDir = makeTempDir('samsa-bench-groups-');
let broker = null;
const conns = [];
try {
  broker = await startBroker({ dataDir, overrides: ['group.initial.rebalance.delay.ms=0'] });
  for (let i = 0; i < members; i++) conns.push(await KafkaConnection.open(broker.port, `bench-member-${i}`));
  const admin = conns[0];
  await admin.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'bench-commits', numPartitions: 50, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000 });
  // The first FindCoordinator creates __consumer_offsets; keep that out of the timings.
  await admin.request(ApiKey.FindCoordinator, 3, { key: 'warm-up', keyType: 0 });
  await formGroup(conns, 'warm-up');

  const rebalance = new Histogram();
  let last = null;
  for (let r = 0; r < rounds; r++) {
    last = await formGroup(conns, `bench-group-${r}`);
    rebalance.recordMs(last.ms);
  }
  const commits = [];
  for (const n of [1, 50]) commits.push(await commitThroughput(conns[0], `bench-group-${rounds - 1}`, last.generationId, last.memberIds[0], 'bench-commits', n));

  const result = {
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryBytes: totalmem(), node: process.version },
    date: new Date().toISOString(),
    settings: { members, rounds, durationMs, inflight, joinVersion: JOIN_V, commitVersion: COMMIT_V, initialRebalanceDelayMs: 0 },
    rebalance: { members, p50Ms: rebalance.percentileMs(50), p99Ms: rebalance.percentileMs(99), maxMs: rebalance.maxUs / 1000 },
    commits,
  };
  console.log(`machine: ${result.machine.cpu}, ${result.machine.cores} cores, node ${result.machine.node}`);
  console.log(`rebalance of a new ${members}-member group, join to stable (${rounds} rounds): p50 ${result.rebalance.p50Ms.toFixed(2)} ms, p99 ${result.rebalance.p99Ms.toFixed(2)} ms`);
  for (const c of commits) {
    console.log(`OffsetCommit, ${c.partitionsPerCommit} partition(s) each, ${inflight} in flight: ${c.commitsPerSec} commits/s, ${c.offsetsPerSec} offsets/s, p50 ${c.p50Ms.toFixed(2)} ms, p99 ${c.p99Ms.toFixed(2)} ms, failed ${c.failed}`);
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'groups.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
} finally {
  for (const c of conns) c.close();
  if (broker) await broker.stop();
  removeTempDir(dataDir);
  cleanupAll();
}
