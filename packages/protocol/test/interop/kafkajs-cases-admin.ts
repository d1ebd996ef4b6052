/**
 * kafkajs interop rows: the admin APIs (CreateTopics, DeleteTopics, CreatePartitions,
 * DescribeConfigs, AlterConfigs, DeleteRecords, DeleteGroups).
 */
import { ApiKey } from '../../src/generated/apis.js';
import type {
  AlterConfigs,
  CreatePartitions,
  CreateTopics,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeConfigs,
} from '../../src/index.js';
import { BIG, kafkajsThrottle, range, since, type Case } from './kafkajs-case.js';

const TOPIC = 2;
const BROKER = 4;

const createTopics: Case = {
  api: 'createTopics',
  apiKey: ApiKey.CreateTopics,
  versions: range(0, 3),
  request: (v) => ({
    kafkajs: {
      topics: [
        {
          topic: 'orders',
          numPartitions: 6,
          replicationFactor: 3,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'retention.ms', value: null },
          ],
        },
        {
          topic: 'manual',
          replicaAssignment: [
            { partition: 0, replicas: [1, 2] },
            { partition: 1, replicas: [2, 3] },
          ],
        },
      ],
      timeout: 15_000,
      validateOnly: true,
    },
    ours: {
      topics: [
        {
          name: 'orders',
          numPartitions: 6,
          replicationFactor: 3,
          assignments: [],
          configs: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'retention.ms', value: null },
          ],
        },
        {
          name: 'manual',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [
            { partitionIndex: 0, brokerIds: [1, 2] },
            { partitionIndex: 1, brokerIds: [2, 3] },
          ],
          configs: [],
        },
      ],
      timeoutMs: 15_000,
      ...since(v, 1, { validateOnly: true }),
    } satisfies CreateTopics.CreateTopicsRequestInput,
  }),
  // kafkajs sorts the results by topic name, so they are listed sorted here.
  response: (v) => ({
    ours: {
      ...since(v, 2, { throttleTimeMs: 20 }),
      topics: [
        { name: 'manual', errorCode: 0, ...since(v, 1, { errorMessage: null }) },
        { name: 'orders', errorCode: 36, ...since(v, 1, { errorMessage: "Topic 'orders' already exists." }) },
      ],
    } satisfies CreateTopics.CreateTopicsResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 2, 3, 20),
      topicErrors: [
        { topic: 'manual', errorCode: 0, ...since(v, 1, { errorMessage: null }) },
        { topic: 'orders', errorCode: 36, ...since(v, 1, { errorMessage: "Topic 'orders' already exists." }) },
      ],
    },
  }),
};

const deleteTopics: Case = {
  api: 'deleteTopics',
  apiKey: ApiKey.DeleteTopics,
  versions: range(0, 1),
  request: () => ({
    kafkajs: { topics: ['orders', 'audit-ü'], timeout: 15_000 },
    ours: { topicNames: ['orders', 'audit-ü'], timeoutMs: 15_000 } satisfies DeleteTopics.DeleteTopicsRequestInput,
  }),
  response: (v) => ({
    ours: {
      ...since(v, 1, { throttleTimeMs: 21 }),
      responses: [
        { name: 'audit-ü', errorCode: 0 },
        { name: 'orders', errorCode: 3 },
      ],
    } satisfies DeleteTopics.DeleteTopicsResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 1, 1, 21),
      topicErrors: [
        { topic: 'audit-ü', errorCode: 0 },
        { topic: 'orders', errorCode: 3 },
      ],
    },
  }),
};

const createPartitions: Case = {
  api: 'createPartitions',
  apiKey: ApiKey.CreatePartitions,
  versions: range(0, 1),
  request: () => ({
    kafkajs: {
      topicPartitions: [
        { topic: 'orders', count: 12, assignments: [[1, 2], [2, 3]] },
        { topic: 'audit', count: 4 },
      ],
      timeout: 10_000,
      validateOnly: false,
    },
    ours: {
      topics: [
        { name: 'orders', count: 12, assignments: [{ brokerIds: [1, 2] }, { brokerIds: [2, 3] }] },
        // kafkajs sends "no assignments" as a null array.
        { name: 'audit', count: 4, assignments: null },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    } satisfies CreatePartitions.CreatePartitionsRequestInput,
  }),
  response: (v) => ({
    ours: {
      throttleTimeMs: 22,
      results: [
        { name: 'audit', errorCode: 0, errorMessage: null },
        { name: 'orders', errorCode: 37, errorMessage: 'too few' },
      ],
    } satisfies CreatePartitions.CreatePartitionsResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 0, 1, 22),
      topicErrors: [
        { topic: 'audit', errorCode: 0, errorMessage: null },
        { topic: 'orders', errorCode: 37, errorMessage: 'too few' },
      ],
    },
  }),
};

const describeConfigs: Case = {
  api: 'describeConfigs',
  apiKey: ApiKey.DescribeConfigs,
  versions: range(0, 2),
  request: (v) => ({
    kafkajs: {
      resources: [
        { type: TOPIC, name: 'orders', configNames: ['cleanup.policy', 'retention.ms'] },
        { type: BROKER, name: '1' },
      ],
      includeSynonyms: true,
    },
    ours: {
      resources: [
        { resourceType: TOPIC, resourceName: 'orders', configurationKeys: ['cleanup.policy', 'retention.ms'] },
        // kafkajs sends "all keys" as a null array.
        { resourceType: BROKER, resourceName: '1', configurationKeys: null },
      ],
      ...since(v, 1, { includeSynonyms: true }),
    } satisfies DescribeConfigs.DescribeConfigsRequestInput,
  }),
  response: (v) => ({
    ours: {
      throttleTimeMs: 23,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: TOPIC,
          resourceName: 'orders',
          configs: [
            {
              name: 'cleanup.policy',
              value: 'compact',
              readOnly: false,
              ...(v === 0 ? { isDefault: false } : { configSource: 1, synonyms: [{ name: 'log.cleanup.policy', value: 'delete', source: 5 }] }),
              isSensitive: false,
            },
            { name: 'sasl.password', value: null, readOnly: true, ...(v === 0 ? { isDefault: true } : { configSource: 5, synonyms: [] }), isSensitive: true },
          ],
        },
        { errorCode: 42, errorMessage: 'bad broker', resourceType: BROKER, resourceName: '9', configs: [] },
      ],
    } satisfies DescribeConfigs.DescribeConfigsResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 0, 2, 23),
      resources: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: TOPIC,
          resourceName: 'orders',
          configEntries: [
            {
              configName: 'cleanup.policy',
              configValue: 'compact',
              readOnly: false,
              isDefault: false,
              configSource: 1, // at v0 kafkajs derives TOPIC_CONFIG from the resource type
              isSensitive: false,
              ...since(v, 1, { configSynonyms: [{ configName: 'log.cleanup.policy', configValue: 'delete', configSource: 5 }] }),
            },
            { configName: 'sasl.password', configValue: null, readOnly: true, isDefault: true, configSource: 5, isSensitive: true, ...since(v, 1, { configSynonyms: [] }) },
          ],
        },
        { errorCode: 42, errorMessage: 'bad broker', resourceType: BROKER, resourceName: '9', configEntries: [] },
      ],
    },
  }),
};

const alterConfigs: Case = {
  api: 'alterConfigs',
  apiKey: ApiKey.AlterConfigs,
  versions: range(0, 1),
  request: () => ({
    kafkajs: {
      resources: [
        {
          type: TOPIC,
          name: 'orders',
          configEntries: [
            { name: 'retention.ms', value: '604800000' },
            { name: 'cleanup.policy', value: null },
          ],
        },
        { type: BROKER, name: '1', configEntries: [] },
      ],
      validateOnly: true,
    },
    ours: {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'orders',
          configs: [
            { name: 'retention.ms', value: '604800000' },
            { name: 'cleanup.policy', value: null },
          ],
        },
        { resourceType: BROKER, resourceName: '1', configs: [] },
      ],
      validateOnly: true,
    } satisfies AlterConfigs.AlterConfigsRequestInput,
  }),
  response: (v) => {
    const resources = [
      { errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: 'orders' },
      { errorCode: 40, errorMessage: 'nope', resourceType: BROKER, resourceName: '1' },
    ];
    return {
      ours: { throttleTimeMs: 24, responses: resources } satisfies AlterConfigs.AlterConfigsResponseInput,
      kafkajs: { ...kafkajsThrottle(v, 0, 1, 24), resources },
    };
  },
};

const deleteRecords: Case = {
  api: 'deleteRecords',
  apiKey: ApiKey.DeleteRecords,
  versions: range(0, 1),
  request: () => ({
    kafkajs: {
      topics: [
        { topic: 'orders', partitions: [{ partition: 0, offset: BIG.toString() }, { partition: 1, offset: '-1' }] },
        { topic: 'audit', partitions: [{ partition: 3, offset: '100' }] },
      ],
      timeout: 12_000,
    },
    ours: {
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, offset: BIG }, { partitionIndex: 1, offset: -1n }] },
        { name: 'audit', partitions: [{ partitionIndex: 3, offset: 100n }] },
      ],
      timeoutMs: 12_000,
    } satisfies DeleteRecords.DeleteRecordsRequestInput,
  }),
  // kafkajs sorts topics by name and, unlike elsewhere, returns lowWatermark as a bigint.
  response: (v) => ({
    requestArgs: { topics: [] },
    ours: {
      throttleTimeMs: 25,
      topics: [
        { name: 'audit', partitions: [{ partitionIndex: 3, lowWatermark: 100n, errorCode: 0 }] },
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, lowWatermark: BIG, errorCode: 0 },
            { partitionIndex: 1, lowWatermark: -1n, errorCode: -1 },
          ],
        },
      ],
    } satisfies DeleteRecords.DeleteRecordsResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 0, 1, 25),
      topics: [
        { topic: 'audit', partitions: [{ partition: 3, lowWatermark: 100n, errorCode: 0 }] },
        {
          topic: 'orders',
          partitions: [
            { partition: 0, lowWatermark: BIG, errorCode: 0 },
            { partition: 1, lowWatermark: -1n, errorCode: -1 },
          ],
        },
      ],
    },
  }),
};

const deleteGroups: Case = {
  api: 'deleteGroups',
  apiKey: ApiKey.DeleteGroups,
  versions: range(0, 1),
  request: () => ({ kafkajs: ['g1', 'g2'], ours: { groupsNames: ['g1', 'g2'] } satisfies DeleteGroups.DeleteGroupsRequestInput }),
  response: () => ({
    ours: {
      throttleTimeMs: 19,
      results: [
        { groupId: 'g1', errorCode: 0 },
        { groupId: 'g2', errorCode: 69 },
      ],
    } satisfies DeleteGroups.DeleteGroupsResponseInput,
    // kafkajs reads throttle_time_ms as throttleTimeMs at both versions (its v1 decoder then
    // looks for `throttleTime`, finds nothing, and reports clientSideThrottleTime undefined).
    kafkajs: {
      throttleTimeMs: 19,
      results: [
        { groupId: 'g1', errorCode: 0 },
        { groupId: 'g2', errorCode: 69 },
      ],
    },
  }),
};

export const adminCases: Case[] = [
  createTopics,
  deleteTopics,
  createPartitions,
  describeConfigs,
  alterConfigs,
  deleteRecords,
  deleteGroups,
];
