/**
 * kafkajs 2.2.4 as a ClientDriver: producer, admin, and its low-level cluster/broker layer
 * for reading. kafkajs's consumer always joins a group and the broker has no group
 * coordinator yet, so reading goes through the same pieces the consumer uses underneath:
 * `cluster.fetchTopicsOffset` (ListOffsets) to resolve beginning/end, `broker.fetch`
 * (Fetch v11, kafkajs's own record batch decoding and decompression) to read.
 * kafkajs ships only gzip; snappy, lz4 and zstd are plugged in from @samsa/protocol.
 */
import kafkajsModule from 'kafkajs';
import { compress, decompress, parseCompressionType } from '@samsa/protocol';
import { registerKafkajsCodecs } from '../golden/clients.js';
import { CLIENT_TIMEOUT_MS, type ClientDriver, type Codec, type ConsumedRecord, type TestRecord } from './driver.js';

const { Kafka, logLevel, CompressionTypes } = kafkajsModule;

registerKafkajsCodecs({
  compress: (codec, data) => compress(parseCompressionType(codec), data),
  decompress: (codec, data) => decompress(parseCompressionType(codec), data),
});

const KAFKAJS_CODEC: Record<Codec, kafkajsModule.CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** The slice of kafkajs's internal cluster and broker objects we use (not in its typings). */
interface KafkajsMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}
interface KafkajsBroker {
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ responses: Array<{ partitions: Array<{ errorCode: number; messages: KafkajsMessage[] }> }> }>;
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number }>;
  findBroker(node: { nodeId: string }): Promise<KafkajsBroker>;
  fetchTopicsOffset(
    topics: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

/** kafkajs builds its cluster through a private symbol-keyed factory on the Kafka object. */
function createCluster(kafka: object): KafkajsCluster {
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!sym) throw new Error('kafkajs internals changed: no private:Kafka:createCluster');
  return (kafka as Record<symbol, (options: object) => KafkajsCluster>)[sym]!({});
}

/** kafkajs takes headers as an object; a repeated name becomes an array of values. */
function toHeaders(headers: TestRecord['headers']): Record<string, string | string[]> {
  const out: Record<string, string[]> = {};
  let last: string | null = null;
  for (const [k, v] of headers) {
    if (k in out && k !== last) throw new Error(`kafkajs cannot send header ${k} repeated with others in between`);
    (out[k] ??= []).push(v);
    last = k;
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]));
}

function toRecord(m: KafkajsMessage): ConsumedRecord {
  const headers: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(m.headers)) for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one.toString()]);
  return {
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key === null ? null : m.key.toString(),
    value: m.value === null ? null : m.value.toString(),
    headers,
  };
}

export function kafkajsDriver(bootstrap: string): ClientDriver {
  const kafka = new Kafka({ clientId: 'samsa-interop', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  let admin: kafkajsModule.Admin | null = null;
  let producer: kafkajsModule.Producer | null = null;
  let cluster: KafkajsCluster | null = null;
  const getAdmin = async (): Promise<kafkajsModule.Admin> => {
    if (!admin) {
      admin = kafka.admin();
      await admin.connect();
    }
    return admin;
  };
  const getProducer = async (): Promise<kafkajsModule.Producer> => {
    if (!producer) {
      producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
    }
    return producer;
  };
  const getCluster = async (): Promise<KafkajsCluster> => {
    if (!cluster) {
      cluster = createCluster(kafka);
      await cluster.connect();
    }
    return cluster;
  };

  async function resolveOffset(topic: string, partition: number, fromBeginning: boolean): Promise<number> {
    const c = await getCluster();
    await c.addTargetTopic(topic);
    const [found] = await c.fetchTopicsOffset([{ topic, fromBeginning, partitions: [{ partition }] }]);
    return Number(found!.partitions.find((p) => p.partition === partition)!.offset);
  }

  /** Fetches from `offset` until `count` records arrived; whole batches come back, so records before the offset are skipped. */
  async function fetchFrom(topic: string, partition: number, offset: number, count: number): Promise<ConsumedRecord[]> {
    const c = await getCluster();
    await c.addTargetTopic(topic);
    await c.refreshMetadata();
    const leader = c.findTopicPartitionMetadata(topic).find((p) => p.partitionId === partition)?.leader;
    if (leader === undefined) throw new Error(`kafkajs: no leader for ${topic}-${partition}`);
    const broker = await c.findBroker({ nodeId: String(leader) });
    const out: ConsumedRecord[] = [];
    const deadline = Date.now() + CLIENT_TIMEOUT_MS;
    let next = offset;
    while (out.length < count && Date.now() < deadline) {
      const res = await broker.fetch({
        replicaId: -1,
        isolationLevel: 1,
        maxWaitTime: 200,
        minBytes: 1,
        maxBytes: 10 * 1024 * 1024,
        // Below the 900 KB record: the broker must still return that batch whole when it
        // comes first (KIP-74), or this loop stalls.
        topics: [{ topic, partitions: [{ partition, fetchOffset: String(next), maxBytes: 256 * 1024 }] }],
      });
      for (const m of res.responses[0]!.partitions[0]!.messages) {
        const r = toRecord(m);
        if (r.offset < next || out.length === count) continue;
        out.push(r);
        next = r.offset + 1;
      }
    }
    return out;
  }

  return {
    name: 'kafkajs',
    creates: 'admin',
    afterLastTimestamp: 'latest',
    sendsUncompressed: {},
    async createTopic(topic, partitions) {
      const created = await (await getAdmin()).createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true, timeout: 10_000 });
      if (!created) throw new Error(`kafkajs createTopics: ${topic} already exists`);
    },
    async produce(topic, records, options) {
      const result = await (await getProducer()).send({
        topic,
        acks: options.acks ?? -1,
        compression: KAFKAJS_CODEC[options.codec],
        timeout: 15_000,
        messages: records.map((r) => ({ partition: options.partition, key: r.key, value: r.value, headers: toHeaders(r.headers) })),
      });
      // One send is one batch per partition: its records take consecutive offsets.
      const base = Number(result.find((r) => r.partition === options.partition)!.baseOffset);
      return records.map((_, i) => base + i);
    },
    async consume(topic, partition, start, count) {
      let offset: number;
      if (start.kind === 'beginning') offset = await resolveOffset(topic, partition, true);
      else if (start.kind === 'offset') offset = start.offset;
      else {
        const found = await (await getAdmin()).fetchTopicOffsetsByTimestamp(topic, start.timestampMs);
        offset = Number(found.find((p) => p.partition === partition)!.offset);
      }
      return fetchFrom(topic, partition, offset, count);
    },
    async consumeFromEnd(topic, partition, count, whileWaiting) {
      const offset = await resolveOffset(topic, partition, false);
      await whileWaiting();
      return fetchFrom(topic, partition, offset, count);
    },
    async listOffsets(topic, partition) {
      const offsets = await (await getAdmin()).fetchTopicOffsets(topic);
      const p = offsets.find((o) => o.partition === partition)!;
      return { earliest: Number(p.low), latest: Number(p.high) };
    },
    async offsetForTimestamp(topic, partition, timestampMs) {
      const found = await (await getAdmin()).fetchTopicOffsetsByTimestamp(topic, timestampMs);
      return Number(found.find((p) => p.partition === partition)!.offset);
    },
    async deleteTopic(topic) {
      await (await getAdmin()).deleteTopics({ topics: [topic], timeout: 10_000 });
    },
    async listTopics() {
      const md = await (await getAdmin()).fetchTopicMetadata();
      return new Map(md.topics.map((t) => [t.name, t.partitions.length]));
    },
    async close() {
      await Promise.allSettled([admin?.disconnect(), producer?.disconnect(), cluster?.disconnect()]);
    },
  };
}
