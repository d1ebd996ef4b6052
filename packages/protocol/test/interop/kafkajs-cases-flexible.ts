/**
 * kafkajs interop rows: AlterPartitionReassignments v0 and ListPartitionReassignments v0, the
 * only flexible versions kafkajs 2.2.4 implements. kafkajs writes them by hand: its request
 * body starts with the request header's empty tag buffer (it always writes header v1), and its
 * response decoder reads the response header's tag buffer first, but not the body's last one
 * (the test allows exactly that one empty tag buffer to be left unread).
 */
import { ApiKey } from '../../src/generated/apis.js';
import type { AlterPartitionReassignments, ListPartitionReassignments } from '../../src/index.js';
import type { Case } from './kafkajs-case.js';

const alterPartitionReassignments: Case = {
  api: 'alterPartitionReassignments',
  apiKey: ApiKey.AlterPartitionReassignments,
  versions: [0],
  request: () => ({
    kafkajs: {
      topics: [
        { topic: 'orders', partitionAssignment: [{ partition: 0, replicas: [1, 2, 3] }, { partition: 1, replicas: [] }] },
        { topic: 'audit-ü', partitionAssignment: [{ partition: 5, replicas: [4] }] },
      ],
      timeout: 30_000,
    },
    ours: {
      timeoutMs: 30_000,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, replicas: [1, 2, 3] },
            { partitionIndex: 1, replicas: [] },
          ],
        },
        { name: 'audit-ü', partitions: [{ partitionIndex: 5, replicas: [4] }] },
      ],
    } satisfies AlterPartitionReassignments.AlterPartitionReassignmentsRequestInput,
  }),
  response: () => ({
    ours: {
      throttleTimeMs: 26,
      errorCode: 0,
      errorMessage: 'top-level message',
      responses: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, errorCode: 0, errorMessage: null },
            { partitionIndex: 1, errorCode: 85, errorMessage: 'no reassignment in progress' },
          ],
        },
      ],
    } satisfies AlterPartitionReassignments.AlterPartitionReassignmentsResponseInput,
    kafkajs: {
      throttleTime: 26,
      errorCode: 0,
      responses: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, errorCode: 0 },
            { partition: 1, errorCode: 85 },
          ],
        },
      ],
    },
  }),
};

const listPartitionReassignments: Case = {
  api: 'listPartitionReassignments',
  apiKey: ApiKey.ListPartitionReassignments,
  versions: [0],
  request: () => [
    {
      kafkajs: { topics: [{ topic: 'orders', partitions: [0, 1, 2] }], timeout: 20_000 },
      ours: { timeoutMs: 20_000, topics: [{ name: 'orders', partitionIndexes: [0, 1, 2] }] } satisfies ListPartitionReassignments.ListPartitionReassignmentsRequestInput,
    },
    {
      kafkajs: { timeout: 20_000 },
      ours: { timeoutMs: 20_000, topics: null } satisfies ListPartitionReassignments.ListPartitionReassignmentsRequestInput,
    },
  ],
  response: () => ({
    ours: {
      throttleTimeMs: 27,
      errorCode: 0,
      errorMessage: null,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, replicas: [1, 2, 3, 4], addingReplicas: [4], removingReplicas: [1] },
            { partitionIndex: 2, replicas: [2, 3], addingReplicas: [], removingReplicas: [] },
          ],
        },
      ],
    } satisfies ListPartitionReassignments.ListPartitionReassignmentsResponseInput,
    kafkajs: {
      throttleTime: 27,
      errorCode: 0,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partition: 0, replicas: [1, 2, 3, 4], addingReplicas: [4], removingReplicas: [1] },
            { partition: 2, replicas: [2, 3], addingReplicas: [], removingReplicas: [] },
          ],
        },
      ],
    },
  }),
};

export const flexibleCases: Case[] = [alterPartitionReassignments, listPartitionReassignments];
