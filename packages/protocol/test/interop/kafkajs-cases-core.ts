/**
 * kafkajs interop rows: ApiVersions, Metadata, Produce, Fetch, ListOffsets.
 */
import { ApiKey } from '../../src/generated/apis.js';
import type { ApiVersions, Fetch, ListOffsets, Metadata, Produce } from '../../src/index.js';
import { BIG, HUGE, bytes, between, kafkajsThrottle, range, since, type Case } from './kafkajs-case.js';
import { CompressionNone, messageSet, recordBatch, type KafkajsMessage } from './kafkajs.js';

const apiVersions: Case = {
  api: 'apiVersions',
  apiKey: ApiKey.ApiVersions,
  versions: range(0, 2),
  request: () => ({ kafkajs: undefined, ours: {} satisfies ApiVersions.ApiVersionsRequestInput }),
  response: (v) => {
    const apiKeys = [
      { apiKey: 0, minVersion: 0, maxVersion: 11 },
      { apiKey: 18, minVersion: 0, maxVersion: 4 },
      { apiKey: 46, minVersion: 0, maxVersion: 0 },
    ];
    return {
      ours: { errorCode: 0, apiKeys, ...since(v, 1, { throttleTimeMs: 120 }) } satisfies ApiVersions.ApiVersionsResponseInput,
      kafkajs: { errorCode: 0, apiVersions: apiKeys, ...kafkajsThrottle(v, 1, 2, 120) },
    };
  },
};

const metadata: Case = {
  api: 'metadata',
  apiKey: ApiKey.Metadata,
  versions: range(0, 6),
  request: (v) => [
    {
      kafkajs: { topics: ['orders', 'payments.v2'], allowAutoTopicCreation: false },
      ours: {
        topics: [{ name: 'orders' }, { name: 'payments.v2' }],
        ...since(v, 4, { allowAutoTopicCreation: false }),
      } satisfies Metadata.MetadataRequestInput,
    },
    {
      // "All topics": kafkajs sends an empty array as null from v1 on (writeNullableArray).
      kafkajs: { topics: [], allowAutoTopicCreation: true },
      ours: { topics: v === 0 ? [] : null, ...since(v, 4, { allowAutoTopicCreation: true }) } satisfies Metadata.MetadataRequestInput,
    },
  ],
  response: (v) => ({
    ours: {
      ...since(v, 3, { throttleTimeMs: 250 }),
      brokers: [
        { nodeId: 1, host: 'broker-1.example', port: 9092, ...since(v, 1, { rack: 'rack-a' }) },
        { nodeId: 2, host: 'broker-2', port: 19093, ...since(v, 1, { rack: null }) },
      ],
      ...since(v, 2, { clusterId: 'cluster-Ωx' }),
      ...since(v, 1, { controllerId: 2 }),
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          ...since(v, 1, { isInternal: false }),
          partitions: [
            { errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2, 3], isrNodes: [1, 2], ...since(v, 5, { offlineReplicas: [3] }) },
            { errorCode: 9, partitionIndex: 1, leaderId: -1, replicaNodes: [2], isrNodes: [], ...since(v, 5, { offlineReplicas: [] }) },
          ],
        },
        { errorCode: 0, name: '__consumer_offsets', ...since(v, 1, { isInternal: true }), partitions: [] },
        { errorCode: 3, name: 'missing', partitions: [] },
      ],
    } satisfies Metadata.MetadataResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 3, 6, 250),
      brokers: [
        { nodeId: 1, host: 'broker-1.example', port: 9092, ...since(v, 1, { rack: 'rack-a' }) },
        { nodeId: 2, host: 'broker-2', port: 19093, ...since(v, 1, { rack: null }) },
      ],
      ...since(v, 2, { clusterId: 'cluster-Ωx' }),
      ...since(v, 1, { controllerId: 2 }),
      topicMetadata: [
        {
          topicErrorCode: 0,
          topic: 'orders',
          ...since(v, 1, { isInternal: false }),
          partitionMetadata: [
            { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2], ...since(v, 5, { offlineReplicas: [3] }) },
            { partitionErrorCode: 9, partitionId: 1, leader: -1, replicas: [2], isr: [], ...since(v, 5, { offlineReplicas: [] }) },
          ],
        },
        { topicErrorCode: 0, topic: '__consumer_offsets', ...since(v, 1, { isInternal: true }), partitionMetadata: [] },
        { topicErrorCode: 3, topic: 'missing', partitionMetadata: [] },
      ],
    },
  }),
};

const messagesA: KafkajsMessage[] = [
  { key: 'k-1', value: 'first value', timestamp: 1_700_000_000_000, headers: { trace: 'abc' } },
  { key: null, value: 'second', timestamp: 1_700_000_000_123 },
];
const messagesB: KafkajsMessage[] = [{ key: 'ключ', value: null, timestamp: 1_700_000_000_050 }];
/** Past the 4 KiB our Writer keeps by reference instead of copying. */
const largeValue = 'x'.repeat(6000);
const messagesLarge: KafkajsMessage[] = [{ key: 'large', value: largeValue, timestamp: 1_700_000_000_060 }];

/** The record bytes kafkajs's Produce request puts in one partition at version `v`. */
async function produceRecords(
  v: number,
  messages: KafkajsMessage[],
  batch: { producerId?: bigint; producerEpoch?: number; firstSequence?: number; transactional: boolean },
): Promise<Buffer> {
  // v0/v1: message format v0; kafkajs passes no compression, so MessageSet numbers offsets 0..n-1.
  if (v <= 1) return messageSet(0, messages);
  if (v === 2) return messageSet(1, messages, CompressionNone);
  return recordBatch({ messages, ...batch });
}

async function produceSample(v: number, txn: { transactionalId: string | null; producerId?: bigint; producerEpoch?: number }, acks: number) {
  const transactional = txn.transactionalId !== null;
  const batch = { transactional, ...(txn.producerId === undefined ? {} : { producerId: txn.producerId }), ...(txn.producerEpoch === undefined ? {} : { producerEpoch: txn.producerEpoch }) };
  return {
    kafkajs: {
      acks,
      timeout: 30_000,
      ...txn,
      topicData: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, firstSequence: 5, messages: messagesA },
            { partition: 7, messages: messagesB },
          ],
        },
        { topic: 'audit', partitions: [{ partition: 2, messages: messagesLarge }] },
      ],
    },
    ours: {
      ...since(v, 3, { transactionalId: txn.transactionalId }),
      acks,
      timeoutMs: 30_000,
      topicData: [
        {
          name: 'orders',
          partitionData: [
            { index: 0, records: await produceRecords(v, messagesA, { ...batch, firstSequence: 5 }) },
            { index: 7, records: await produceRecords(v, messagesB, batch) },
          ],
        },
        { name: 'audit', partitionData: [{ index: 2, records: await produceRecords(v, messagesLarge, batch) }] },
      ],
    } satisfies Produce.ProduceRequestInput,
  };
}

const produce: Case = {
  api: 'produce',
  apiKey: ApiKey.Produce,
  versions: range(0, 7),
  request: async (v) => [
    await produceSample(v, { transactionalId: 'txn-ü', producerId: BIG, producerEpoch: 3 }, -1),
    await produceSample(v, { transactionalId: null }, 1),
  ],
  response: (v) => ({
    ours: {
      responses: [
        {
          name: 'orders',
          partitionResponses: [
            { index: 0, errorCode: 0, baseOffset: BIG, ...since(v, 2, { logAppendTimeMs: -1n }), ...since(v, 5, { logStartOffset: 12n }) },
            { index: 7, errorCode: 6, baseOffset: -1n, ...since(v, 2, { logAppendTimeMs: 1_700_000_000_000n }), ...since(v, 5, { logStartOffset: -1n }) },
          ],
        },
        { name: 'audit', partitionResponses: [] },
      ],
      ...since(v, 1, { throttleTimeMs: 40 }),
    } satisfies Produce.ProduceResponseInput,
    kafkajs: {
      topics: [
        {
          topicName: 'orders',
          partitions:
            v < 3
              ? [
                  { partition: 0, errorCode: 0, offset: BIG.toString(), ...since(v, 2, { timestamp: '-1' }) },
                  { partition: 7, errorCode: 6, offset: '-1', ...since(v, 2, { timestamp: '1700000000000' }) },
                ]
              : [
                  { partition: 0, errorCode: 0, baseOffset: BIG.toString(), logAppendTime: '-1', ...since(v, 5, { logStartOffset: '12' }) },
                  { partition: 7, errorCode: 6, baseOffset: '-1', logAppendTime: '1700000000000', ...since(v, 5, { logStartOffset: '-1' }) },
                ],
        },
        { topicName: 'audit', partitions: [] },
      ],
      ...kafkajsThrottle(v, 1, 6, 40),
    },
  }),
};

const fetchTopics = [
  {
    topic: 'orders',
    partitions: [
      { partition: 0, currentLeaderEpoch: 9, fetchOffset: BIG.toString(), logStartOffset: '-1', maxBytes: 1_048_576 },
      { partition: 3, fetchOffset: '0', maxBytes: 65_536 },
    ],
  },
  { topic: 'audit', partitions: [{ partition: 1, fetchOffset: '42', logStartOffset: '40', maxBytes: 1024 }] },
];

const fetchRecordMessages: KafkajsMessage[] = [
  { key: 'k-1', value: 'first value', timestamp: 1_700_000_000_000, headers: { trace: 'abc' } },
  { key: null, value: 'second', timestamp: 1_700_000_000_123 },
  { key: 'large', value: largeValue, timestamp: 1_700_000_000_124 },
];

const fetch: Case = {
  api: 'fetch',
  apiKey: ApiKey.Fetch,
  versions: range(0, 11),
  request: (v) => [
    {
      kafkajs: {
        replicaId: -1,
        maxWaitTime: 500,
        minBytes: 1,
        maxBytes: 52_428_800,
        isolationLevel: 0,
        sessionId: 77,
        sessionEpoch: 3,
        forgottenTopics: [{ topic: 'old', partitions: [4, 5] }],
        rackId: 'rack-b',
        topics: fetchTopics,
      },
      ours: {
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        ...since(v, 3, { maxBytes: 52_428_800 }),
        ...since(v, 4, { isolationLevel: 0 }),
        ...since(v, 7, { sessionId: 77, sessionEpoch: 3, forgottenTopicsData: [{ topic: 'old', partitions: [4, 5] }] }),
        ...since(v, 11, { rackId: 'rack-b' }),
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, ...since(v, 9, { currentLeaderEpoch: 9 }), fetchOffset: BIG, ...since(v, 5, { logStartOffset: -1n }), partitionMaxBytes: 1_048_576 },
              { partition: 3, fetchOffset: 0n, partitionMaxBytes: 65_536 },
            ],
          },
          { topic: 'audit', partitions: [{ partition: 1, fetchOffset: 42n, ...since(v, 5, { logStartOffset: 40n }), partitionMaxBytes: 1024 }] },
        ],
      } satisfies Fetch.FetchRequestInput,
    },
    {
      // kafkajs's defaults; its isolationLevel defaults to READ_COMMITTED (1), Kafka's to 0.
      kafkajs: { replicaId: 2, maxWaitTime: 100, minBytes: 0, maxBytes: 1000, topics: [] },
      ours: { replicaId: 2, maxWaitMs: 100, minBytes: 0, ...since(v, 3, { maxBytes: 1000 }), ...since(v, 4, { isolationLevel: 1 }), topics: [] } satisfies Fetch.FetchRequestInput,
    },
  ],
  response: async (v) => {
    // v0-3 carry message sets; v4+ record batches (kafkajs tells them apart by the magic byte).
    const records = v < 4 ? messageSet(1, fetchRecordMessages) : await recordBatch({ messages: fetchRecordMessages, firstOffset: BIG });
    const firstOffset = v < 4 ? 0n : BIG;
    return {
      ours: {
        ...since(v, 1, { throttleTimeMs: 10 }),
        ...since(v, 7, { errorCode: 0, sessionId: 77 }),
        responses: [
          {
            topic: 'orders',
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                highWatermark: BIG + 2n,
                ...since(v, 4, { lastStableOffset: BIG, abortedTransactions: [{ producerId: BIG, firstOffset: HUGE }] }),
                ...since(v, 5, { logStartOffset: 5n }),
                ...since(v, 11, { preferredReadReplica: 2 }),
                records,
              },
              {
                partitionIndex: 3,
                errorCode: 1,
                highWatermark: -1n,
                ...since(v, 4, { lastStableOffset: -1n, abortedTransactions: null }),
                ...since(v, 5, { logStartOffset: -1n }),
                // kafkajs's v0-3 message-set decoder steps back 1 byte on a null (-1) set, so v0-3 send an empty one.
              records: v < 4 ? Buffer.alloc(0) : null,
              },
            ],
          },
        ],
      } satisfies Fetch.FetchResponseInput,
      kafkajs: {
        ...kafkajsThrottle(v, 1, 8, 10),
        ...since(v, 7, { errorCode: 0, sessionId: 77 }),
        responses: [
          {
            topicName: 'orders',
            partitions: [
              {
                partition: 0,
                errorCode: 0,
                highWatermark: (BIG + 2n).toString(),
                ...since(v, 4, { lastStableOffset: BIG.toString(), abortedTransactions: [{ producerId: BIG.toString(), firstOffset: HUGE.toString() }] }),
                ...since(v, 5, { lastStartOffset: '5' }),
                ...since(v, 11, { preferredReadReplica: 2 }),
                messages: [
                  { offset: firstOffset.toString(), key: bytes('k-1'), value: bytes('first value'), ...since(v, 4, { headers: { trace: bytes('abc') } }) },
                  { offset: (firstOffset + 1n).toString(), key: null, value: bytes('second') },
                  { offset: (firstOffset + 2n).toString(), key: bytes('large'), value: bytes(largeValue) },
                ],
              },
              {
                partition: 3,
                errorCode: 1,
                highWatermark: '-1',
                ...since(v, 4, { lastStableOffset: '-1', abortedTransactions: [] }),
                ...since(v, 5, { lastStartOffset: '-1' }),
                ...since(v, 11, { preferredReadReplica: -1 }),
                messages: [],
              },
            ],
          },
        ],
      },
    };
  },
};

const listOffsets: Case = {
  api: 'listOffsets',
  apiKey: ApiKey.ListOffsets,
  versions: range(0, 3),
  request: (v) => ({
    kafkajs: {
      replicaId: -1,
      isolationLevel: 1,
      topics: [
        { topic: 'orders', partitions: [{ partition: 0, timestamp: -1 }, { partition: 1, timestamp: -2, maxNumOffsets: 3 }] },
        { topic: 'audit', partitions: [{ partition: 4, timestamp: BIG.toString() }] },
      ],
    },
    ours: {
      replicaId: -1,
      ...since(v, 2, { isolationLevel: 1 }),
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, timestamp: -1n, ...between(v, 0, 0, { maxNumOffsets: 1 }) },
            { partitionIndex: 1, timestamp: -2n, ...between(v, 0, 0, { maxNumOffsets: 3 }) },
          ],
        },
        { name: 'audit', partitions: [{ partitionIndex: 4, timestamp: BIG, ...between(v, 0, 0, { maxNumOffsets: 1 }) }] },
      ],
    } satisfies ListOffsets.ListOffsetsRequestInput,
  }),
  response: (v) => ({
    ours: {
      ...since(v, 2, { throttleTimeMs: 30 }),
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, errorCode: 0, ...between(v, 0, 0, { oldStyleOffsets: [BIG, 0n] }), ...since(v, 1, { timestamp: 1_700_000_000_000n, offset: BIG }) },
            { partitionIndex: 1, errorCode: 6, ...between(v, 0, 0, { oldStyleOffsets: [] }), ...since(v, 1, { timestamp: -1n, offset: -1n }) },
          ],
        },
      ],
    } satisfies ListOffsets.ListOffsetsResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 2, 3, 30),
      responses: [
        {
          topic: 'orders',
          partitions:
            v === 0
              ? [
                  { partition: 0, errorCode: 0, offsets: [BIG.toString(), '0'] },
                  { partition: 1, errorCode: 6, offsets: [] },
                ]
              : [
                  { partition: 0, errorCode: 0, timestamp: '1700000000000', offset: BIG.toString() },
                  { partition: 1, errorCode: 6, timestamp: '-1', offset: '-1' },
                ],
        },
      ],
    },
  }),
};

export const coreCases: Case[] = [apiVersions, metadata, produce, fetch, listOffsets];
