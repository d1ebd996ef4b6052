/**
 * The multi-process fault test (issue 6): 3 broker processes on etcd, each in its own
 * network namespace; a RF=3, min.insync.replicas=2 topic; idempotent acks=all producers
 * (ours and librdkafka) and a consumer group of ours run while a seeded fault loop kills -9,
 * SIGSTOPs or cuts off a random broker per round. At the end every acknowledged record is in
 * its partition exactly once and in send order, the group saw every one and committed the
 * end, and the replicas are byte-identical up to the high watermark.
 *
 * Not part of `npm test`: run it with `npm run test:fault` (root, iproute2, iptables).
 * SAMSA_FAULT_SEED and SAMSA_FAULT_ROUNDS override the seed and the number of rounds.
 * On failure the run directory (broker logs, data dirs, ack files) is kept and named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from '@samsa/client';
import { startEtcd, type EtcdProcess } from '../helpers/etcd-process.js';
import { killChildren } from '../helpers/child-process.js';
import { lastJsonLine } from '../helpers/python.js';
import { waitFor } from '../helpers/log-scan.js';
import { BRIDGE_ADDRESS, createNetwork, removeLeftovers, removeNetwork } from './netns.js';
import { FaultBroker } from './fault-cluster.js';
import { GroupReader, startLibrdkafkaProducer, startSamsaProducer, type Ack, type ProducerSummary } from './load.js';
import { checkPartition, compareReplicaFiles } from './checks.js';
import { runFaultLoop, seededRandom, waitRecovered } from './fault-loop.js';

const IDS = [1, 2, 3];
const TOPIC = 'fault';
const PARTITIONS = 6;
const GROUP = 'fault-readers';
const SEED = Number(process.env.SAMSA_FAULT_SEED ?? 6006);
const ROUNDS = Number(process.env.SAMSA_FAULT_ROUNDS ?? 12);

/** Test-like settings for separate processes on a busy 2-core machine. etcd leases have whole-second TTLs. */
const BROKER_SETTINGS = {
  'broker.session.timeout.ms': 3000,
  'replica.lag.time.max.ms': 3000,
  'replica.fetch.wait.max.ms': 250,
  'replica.fetch.backoff.ms': 200,
  'replica.socket.timeout.ms': 3000,
  'default.replication.factor': 3,
  'min.insync.replicas': 2,
  'offsets.topic.replication.factor': 3,
  'offsets.topic.num.partitions': 3,
  'group.initial.rebalance.delay.ms': 0,
};

test(`fault loop over 3 broker processes on etcd (seed ${SEED}, ${ROUNDS} rounds): no acknowledged record lost, duplicated or reordered; replicas identical`, { timeout: 10 * 60_000 }, async (t) => {
  console.log(`# fault test seed ${SEED}, ${ROUNDS} rounds (repeat with SAMSA_FAULT_SEED=${SEED})`);
  const left = await removeLeftovers();
  if (left.length) console.log(`# removed leftovers of an earlier run: ${left.join(', ')}`);
  const runDir = mkdtempSync('/tmp/samsa-fault-');
  let passed = false;
  let etcd: EtcdProcess | null = null;
  const brokers: FaultBroker[] = [];
  // Clients close first (newest first), while the brokers still run; then the brokers go.
  const closeClients: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    const bounded = (p: Promise<unknown>): Promise<unknown> => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 15_000).unref())]);
    for (const close of closeClients.reverse()) await bounded(close());
    killChildren();
    for (const b of brokers) await b.kill();
    for (const b of brokers) await b.closeLog();
    await removeNetwork(IDS);
    await etcd?.stop();
    if (passed) rmSync(runDir, { recursive: true, force: true });
    else console.log(`# FAILED with seed ${SEED}: broker logs, data and ack files kept in ${runDir}`);
  });

  await createNetwork(IDS);
  etcd = await startEtcd({ host: BRIDGE_ADDRESS });
  for (const id of IDS) brokers.push(new FaultBroker(id, runDir, etcd.url('/fault'), BROKER_SETTINGS));
  await Promise.all(brokers.map((b) => b.start()));
  const bootstrap = brokers.map((b) => b.address).join(',');
  const admin = new Admin({ 'bootstrap.servers': bootstrap, 'request.timeout.ms': 5_000 });
  closeClients.push(() => admin.close());
  await admin.createTopics([{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
  await waitRecovered(admin, [TOPIC], 30_000);

  const stopFile = join(runDir, 'stop-producers');
  const ours = startSamsaProducer(bootstrap, TOPIC, join(runDir, 'acks-samsa.jsonl'));
  closeClients.push(() => ours.stop());
  const librdkafka = startLibrdkafkaProducer(bootstrap, TOPIC, join(runDir, 'acks-librdkafka.jsonl'), stopFile, 9 * 60_000);
  await librdkafka.waitFor('stdout', /"ready"/, 30_000, 'the librdkafka producer to start');
  const reader = new GroupReader(bootstrap, TOPIC, GROUP);
  closeClients.push(() => reader.close());
  await waitRecovered(admin, [TOPIC, '__consumer_offsets'], 30_000);

  const log = await runFaultLoop(brokers, admin, [TOPIC, '__consumer_offsets'], { rounds: ROUNDS, random: seededRandom(SEED), recoveryTimeoutMs: 60_000 });
  console.log(log.map((l) => `# ${l}`).join('\n'));

  // Quiesce: stop the producers (each flushes), let the group read to the end.
  writeFileSync(stopFile, '');
  const oursSummary = await ours.stop();
  const rdk = await librdkafka.finished;
  assert.equal(rdk.code, 0, `librdkafka producer: ${librdkafka.describe()}`);
  const rdkSummary = lastJsonLine<ProducerSummary & { unflushed: number }>(rdk.stdout, 'librdkafka producer');
  console.log(`# ours: ${JSON.stringify(oursSummary)}\n# librdkafka: ${JSON.stringify(rdkSummary)}`);
  const acks: Ack[] = ['samsa', 'librdkafka'].flatMap((p) =>
    readFileSync(join(runDir, `acks-${p}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Ack),
  );
  await waitRecovered(admin, [TOPIC, '__consumer_offsets'], 60_000);
  // The group's check is collected with the others rather than thrown, so a stuck consumer
  // does not hide what the log files say.
  const problems: string[] = [];
  const notSeen = (): Ack[] => acks.filter((a) => !reader.seen.has(a.v));
  try {
    await waitFor('the consumer group to see every acknowledged record', 60_000, () => (notSeen().length === 0 ? true : undefined), 250);
  } catch (e) {
    const byPartition = new Map<number, number>();
    for (const a of notSeen()) byPartition.set(a.p, (byPartition.get(a.p) ?? 0) + 1);
    const group = await admin.describeGroups([GROUP], { timeoutMs: 10_000 }).then(
      (gs) => gs.map((g) => `${g.state}, coordinator ${g.coordinator}, members ${g.members.map((m) => `${m.memberId} ${JSON.stringify(m.assignment)}`).join(' / ')}`).join(''),
      (x: Error) => x.message,
    );
    problems.push(`${(e as Error).message}: ${notSeen().length} not seen (by partition: ${[...byPartition].map(([p, n]) => `${p}: ${n}`).join(', ')}); the consumer: ${reader.describe()}; the group at its coordinator: ${group}`);
  }
  await reader.close();
  console.log(`# group: ${reader.seen.size} distinct records seen; ${reader.describe()}`);

  const committed = await admin.listConsumerGroupOffsets(GROUP, undefined, { timeoutMs: 30_000 });
  const highWatermarks = new Map<number, number>();
  for (const p of Array.from({ length: PARTITIONS }, (_, i) => i)) {
    const c = committed.find((o) => o.topic === TOPIC && o.partition === p);
    if (!c) problems.push(`${TOPIC}-${p}: the group has no committed offset`);
    else if (c.offset !== c.logEndOffset) problems.push(`${TOPIC}-${p}: the group committed ${c.offset}, the high watermark is ${c.logEndOffset}`);
    highWatermarks.set(p, c?.logEndOffset ?? -1);
  }

  // Stop the brokers cleanly and read their files: a stopped log does not move under the reads.
  await Promise.all(brokers.map((b) => b.stop()));
  const dataDirs = new Map(brokers.map((b) => [b.nodeId, b.dataDir]));
  let withoutOffset = 0;
  for (const [p, hw] of highWatermarks) {
    if (hw < 0) continue;
    const values = await compareReplicaFiles(dataDirs, TOPIC, p, hw, problems);
    withoutOffset += checkPartition(TOPIC, p, values, acks, problems);
  }
  if (withoutOffset > 0) console.log(`# ${withoutOffset} acknowledgements named no offset (librdkafka); each such record was found in the log`);
  const failures = [...oursSummary.errors, ...rdkSummary.errors];
  console.log(`# ${acks.length} acknowledged records checked over ${PARTITIONS} partitions, high watermarks ${[...highWatermarks.values()].join(', ')}`);
  assert.deepEqual(problems, [], `seed ${SEED}: the end-of-run checks failed (the logs are in ${runDir})`);
  assert.ok(oursSummary.acked > 1000 && rdkSummary.acked > 1000, `both producers made progress: ours ${oursSummary.acked}, librdkafka ${rdkSummary.acked}`);
  // Idempotent producers with long delivery timeouts: a failed delivery means a fault the
  // cluster should have absorbed.
  assert.deepEqual(failures, [], `seed ${SEED}: deliveries failed`);
  passed = true;
});
