/**
 * startCluster: N brokers in this process on 127.0.0.1 and free ports, sharing one
 * in-memory metadata store, with short timeouts so failures are detected in about a second.
 * Kafka's own defaults are one option away (`kafkaDefaults: true`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedMetadataStore, Keys, type ControllerRecord, type Logger, type PartitionState } from '@samsa/broker';
import { ClusterBroker } from './cluster-broker.js';
import { compareReplicas, type ReplicaComparison } from './replica-check.js';

/**
 * Test settings: a broker silent for 1.5 s is dead (Kafka: broker.session.timeout.ms=9000),
 * a follower not caught up for 1 s leaves the ISR (Kafka: replica.lag.time.max.ms=30000;
 * followers park their fetches 250 ms, back off 100 ms and give up on a silent leader after
 * 3 s), groups form without the 3 s initial rebalance delay, and __consumer_offsets has 10
 * partitions instead of 50 so the first group on a fresh cluster is quick; a controlled
 * shutdown waits at most 4 x 1 s for its leaderships to move (Kafka: 4 x 5 s).
 */
export const TEST_SETTINGS: Readonly<Record<string, string>> = {
  'broker.session.timeout.ms': '1500',
  'replica.lag.time.max.ms': '1000',
  'replica.fetch.wait.max.ms': '250',
  'replica.fetch.backoff.ms': '100',
  'replica.socket.timeout.ms': '3000',
  'group.initial.rebalance.delay.ms': '0',
  'offsets.topic.num.partitions': '10',
  'controlled.shutdown.retry.backoff.ms': '1000',
};

export interface ClusterOptions {
  /** How many brokers (node ids 0..N-1); default 3. */
  brokers?: number;
  /** Broker settings by Kafka name, applied to every broker over the test settings. */
  config?: Readonly<Record<string, string | number | boolean>>;
  /** Settings for one broker over `config`, e.g. `(id) => ({ 'broker.rack': `r${id % 2}` })`. */
  brokerConfig?: (nodeId: number) => Readonly<Record<string, string | number | boolean>>;
  /** Keep Kafka's defaults instead of TEST_SETTINGS. */
  kafkaDefaults?: boolean;
  /** Parent of the brokers' log directories; a temp directory (removed by stop) by default. */
  dataDir?: string;
  logger?: Logger;
}

export interface Cluster {
  /** "127.0.0.1:port,..." for a client's bootstrap list. */
  readonly bootstrapServers: string;
  readonly brokers: readonly ClusterBroker[];
  /** The broker that holds /controller now, or null between controllers. */
  controller(): ClusterBroker | null;
  /** The controller epoch last written, 0 before the first election. */
  controllerEpoch(): number;
  broker(nodeId: number): ClusterBroker;
  /** Resolves once `check` returns a truthy value; rejects naming `what` after `timeoutMs`. */
  waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs?: number): Promise<NonNullable<T>>;
  /** A partition's state as the controller last wrote it. */
  partitionState(topic: string, partition: number): Promise<PartitionState | null>;
  /** One line per partition replica: broker, role, leader epoch, LEO, HW, ISR (print on failure). */
  dump(): string;
  /** Reads every running replica of a partition up to the leader's HW and compares the bytes. */
  compareReplicas(topic: string, partition: number): Promise<ReplicaComparison>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.brokers ?? 3;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'samsa-cluster-')));
  const settings = new Map<string, string>(Object.entries(options.kafkaDefaults ? {} : TEST_SETTINGS));
  // Every broker is registered before startCluster returns, so __consumer_offsets gets
  // Kafka's 3 replicas on 3 or more brokers; a smaller cluster gets one per broker, where
  // Kafka (and kafkaDefaults) would refuse groups until 3 brokers exist.
  if (!options.kafkaDefaults) settings.set('offsets.topic.replication.factor', String(Math.min(3, count)));
  for (const [k, v] of Object.entries(options.config ?? {})) settings.set(k, String(v));
  const store = await EmbeddedMetadataStore.open(null);
  let controllerRecord: ControllerRecord | null = null;
  let epoch = 0;
  // The cluster's own view of who controls, straight from the store (not through a broker).
  const unwatch = store.watch('/controller', (e) => {
    if (e.key === Keys.controller) controllerRecord = e.value ? (JSON.parse(e.value) as ControllerRecord) : null;
    else if (e.key === Keys.controllerEpoch && e.value) epoch = Number(JSON.parse(e.value));
  });
  const settingsOf = (id: number): Map<string, string> => {
    const own = new Map(settings);
    for (const [k, v] of Object.entries(options.brokerConfig?.(id) ?? {})) own.set(k, String(v));
    return own;
  };
  const brokers = Array.from({ length: count }, (_, id) => new ClusterBroker(id, store, settingsOf(id), join(dataDir, `broker-${id}`), options.logger));
  try {
    await Promise.all(brokers.map((b) => b.start()));
  } catch (e) {
    await Promise.all(brokers.map((b) => b.kill()));
    await store.close();
    throw e;
  }
  const byId = (nodeId: number): ClusterBroker => {
    const b = brokers[nodeId];
    if (!b) throw new Error(`no broker ${nodeId} in this ${count}-broker cluster`);
    return b;
  };

  return {
    bootstrapServers: brokers.map((b) => b.address).join(','),
    brokers,
    controller: () => (controllerRecord ? (brokers[controllerRecord.brokerId] ?? null) : null),
    controllerEpoch: () => epoch,
    broker: byId,
    waitFor: (what, check, timeoutMs = 10_000) => waitFor(what, check, timeoutMs),
    async partitionState(topic, partition) {
      const kv = await store.get(Keys.partition(topic, partition));
      return kv ? (JSON.parse(kv.value) as PartitionState) : null;
    },
    dump: () => dump(brokers),
    compareReplicas: (topic, partition) => compareReplicas(brokers, topic, partition),
    async stop() {
      unwatch();
      // Every broker goes at once: moving leaderships among them would only slow the teardown.
      await Promise.all(brokers.map((b) => b.stop({ controlled: false })));
      await store.close();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function dump(brokers: readonly ClusterBroker[]): string {
  const lines: string[] = [];
  for (const b of brokers) {
    if (b.status === 'stopped' || b.status === 'killed') {
      lines.push(`broker ${b.nodeId}: ${b.status}`);
      continue;
    }
    for (const p of b.broker.services.replicaManager.allPartitions().sort((x, y) => (x.name < y.name ? -1 : 1))) {
      lines.push(`${p.name} broker=${b.nodeId}${b.status === 'running' ? '' : `(${b.status})`} ${p.role} epoch=${p.leaderEpoch} LEO=${p.logEndOffset} HW=${p.highWatermark} isr=[${p.isr.join(',')}]`);
    }
  }
  return lines.join('\n');
}
