/**
 * kafkajs interop rows: the consumer-group APIs (FindCoordinator, JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups).
 */
import { ApiKey } from '../../src/generated/apis.js';
import type {
  DescribeGroups,
  FindCoordinator,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  OffsetCommit,
  OffsetFetch,
  SyncGroup,
} from '../../src/index.js';
import { BIG, between, kafkajsThrottle, range, since, type Case } from './kafkajs-case.js';

const subscription = Buffer.from('000100000002000674656f70696373', 'hex');
const assignment = Buffer.from('0001000000010006616f72646572730000000200000000000000030000000000', 'hex');

const findCoordinator: Case = {
  api: 'findCoordinator',
  apiKey: ApiKey.FindCoordinator,
  versions: range(0, 2),
  request: (v) =>
    v === 0
      ? { kafkajs: { groupId: 'group-ä' }, ours: { key: 'group-ä' } satisfies FindCoordinator.FindCoordinatorRequestInput }
      : [
          { kafkajs: { coordinatorKey: 'group-ä', coordinatorType: 0 }, ours: { key: 'group-ä', keyType: 0 } satisfies FindCoordinator.FindCoordinatorRequestInput },
          { kafkajs: { coordinatorKey: 'txn-1', coordinatorType: 1 }, ours: { key: 'txn-1', keyType: 1 } satisfies FindCoordinator.FindCoordinatorRequestInput },
        ],
  response: (v) => [
    {
      ours: { ...since(v, 1, { throttleTimeMs: 3, errorMessage: null }), errorCode: 0, nodeId: 2, host: 'broker-2', port: 65_535 } satisfies FindCoordinator.FindCoordinatorResponseInput,
      kafkajs: { ...kafkajsThrottle(v, 1, 2, 3), errorCode: 0, ...since(v, 1, { errorMessage: null }), coordinator: { nodeId: 2, host: 'broker-2', port: 65_535 } },
    },
    {
      ours: { ...since(v, 1, { throttleTimeMs: 0, errorMessage: 'not yet' }), errorCode: 15, nodeId: -1, host: '', port: -1 } satisfies FindCoordinator.FindCoordinatorResponseInput,
      kafkajs: { errorCode: 15, ...since(v, 1, { errorMessage: 'not yet' }), coordinator: { nodeId: -1, host: '', port: -1 } },
    },
  ],
};

const joinGroup: Case = {
  api: 'joinGroup',
  apiKey: ApiKey.JoinGroup,
  versions: range(0, 5),
  request: (v) => [
    {
      kafkajs: {
        groupId: 'g1',
        sessionTimeout: 30_000,
        rebalanceTimeout: 60_000,
        memberId: '',
        groupInstanceId: 'instance-1',
        protocolType: 'consumer',
        groupProtocols: [{ name: 'RoundRobinAssigner', metadata: subscription }, { name: 'range' }],
      },
      ours: {
        groupId: 'g1',
        sessionTimeoutMs: 30_000,
        ...since(v, 1, { rebalanceTimeoutMs: 60_000 }),
        memberId: '',
        ...since(v, 5, { groupInstanceId: 'instance-1' }),
        protocolType: 'consumer',
        protocols: [
          { name: 'RoundRobinAssigner', metadata: subscription },
          { name: 'range', metadata: Buffer.alloc(0) },
        ],
      } satisfies JoinGroup.JoinGroupRequestInput,
    },
    {
      kafkajs: { groupId: 'g1', sessionTimeout: 10_000, rebalanceTimeout: 10_000, memberId: 'member-2', protocolType: 'consumer', groupProtocols: [] },
      ours: {
        groupId: 'g1',
        sessionTimeoutMs: 10_000,
        ...since(v, 1, { rebalanceTimeoutMs: 10_000 }),
        memberId: 'member-2',
        ...since(v, 5, { groupInstanceId: null }),
        protocolType: 'consumer',
        protocols: [],
      } satisfies JoinGroup.JoinGroupRequestInput,
    },
  ],
  response: (v) => ({
    ours: {
      ...since(v, 2, { throttleTimeMs: 11 }),
      errorCode: 0,
      generationId: 5,
      protocolName: 'RoundRobinAssigner',
      leader: 'member-1',
      memberId: 'member-2',
      members: [
        { memberId: 'member-1', ...since(v, 5, { groupInstanceId: 'i-1' }), metadata: subscription },
        { memberId: 'member-2', ...since(v, 5, { groupInstanceId: null }), metadata: Buffer.alloc(0) },
      ],
    } satisfies JoinGroup.JoinGroupResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 2, 3, 11),
      errorCode: 0,
      generationId: 5,
      groupProtocol: 'RoundRobinAssigner',
      leaderId: 'member-1',
      memberId: 'member-2',
      members: [
        { memberId: 'member-1', ...since(v, 5, { groupInstanceId: 'i-1' }), memberMetadata: subscription },
        { memberId: 'member-2', ...since(v, 5, { groupInstanceId: null }), memberMetadata: Buffer.alloc(0) },
      ],
    },
  }),
};

const syncGroup: Case = {
  api: 'syncGroup',
  apiKey: ApiKey.SyncGroup,
  versions: range(0, 3),
  request: (v) => ({
    kafkajs: {
      groupId: 'g1',
      generationId: 5,
      memberId: 'member-1',
      groupInstanceId: 'i-1',
      groupAssignment: [
        { memberId: 'member-1', memberAssignment: assignment },
        { memberId: 'member-2', memberAssignment: Buffer.alloc(0) },
      ],
    },
    ours: {
      groupId: 'g1',
      generationId: 5,
      memberId: 'member-1',
      ...since(v, 3, { groupInstanceId: 'i-1' }),
      assignments: [
        { memberId: 'member-1', assignment },
        { memberId: 'member-2', assignment: Buffer.alloc(0) },
      ],
    } satisfies SyncGroup.SyncGroupRequestInput,
  }),
  response: (v) => [
    {
      ours: { ...since(v, 1, { throttleTimeMs: 12 }), errorCode: 0, assignment } satisfies SyncGroup.SyncGroupResponseInput,
      kafkajs: { ...kafkajsThrottle(v, 1, 2, 12), errorCode: 0, memberAssignment: assignment },
    },
    {
      ours: { errorCode: 27, assignment: Buffer.alloc(0) } satisfies SyncGroup.SyncGroupResponseInput,
      kafkajs: { errorCode: 27, memberAssignment: Buffer.alloc(0) },
    },
  ],
};

const heartbeat: Case = {
  api: 'heartbeat',
  apiKey: ApiKey.Heartbeat,
  versions: range(0, 3),
  request: (v) => [
    {
      kafkajs: { groupId: 'g1', groupGenerationId: 5, memberId: 'member-1', groupInstanceId: 'i-1' },
      ours: { groupId: 'g1', generationId: 5, memberId: 'member-1', ...since(v, 3, { groupInstanceId: 'i-1' }) } satisfies Heartbeat.HeartbeatRequestInput,
    },
    {
      kafkajs: { groupId: 'g1', groupGenerationId: -1, memberId: '' },
      ours: { groupId: 'g1', generationId: -1, memberId: '', ...since(v, 3, { groupInstanceId: null }) } satisfies Heartbeat.HeartbeatRequestInput,
    },
  ],
  response: (v) => ({
    ours: { ...since(v, 1, { throttleTimeMs: 13 }), errorCode: 27 } satisfies Heartbeat.HeartbeatResponseInput,
    kafkajs: { ...kafkajsThrottle(v, 1, 2, 13), errorCode: 27 },
  }),
};

const leaveGroup: Case = {
  api: 'leaveGroup',
  apiKey: ApiKey.LeaveGroup,
  versions: range(0, 3),
  request: (v) =>
    v < 3
      ? { kafkajs: { groupId: 'g1', memberId: 'member-1' }, ours: { groupId: 'g1', memberId: 'member-1' } satisfies LeaveGroup.LeaveGroupRequestInput }
      : {
          kafkajs: { groupId: 'g1', members: [{ memberId: 'member-1', groupInstanceId: 'i-1' }, { memberId: 'member-2' }] },
          ours: {
            groupId: 'g1',
            members: [
              { memberId: 'member-1', groupInstanceId: 'i-1' },
              { memberId: 'member-2', groupInstanceId: null },
            ],
          } satisfies LeaveGroup.LeaveGroupRequestInput,
        },
  response: (v) => {
    const members = [
      { memberId: 'member-1', groupInstanceId: 'i-1', errorCode: 0 },
      { memberId: 'member-2', groupInstanceId: null, errorCode: 25 },
    ];
    return {
      ours: { ...since(v, 1, { throttleTimeMs: 14 }), errorCode: 0, ...since(v, 3, { members }) } satisfies LeaveGroup.LeaveGroupResponseInput,
      kafkajs: { ...kafkajsThrottle(v, 1, 2, 14), errorCode: 0, ...since(v, 3, { members }) },
    };
  },
};

const offsetCommit: Case = {
  api: 'offsetCommit',
  apiKey: ApiKey.OffsetCommit,
  versions: range(0, 5),
  request: (v) => ({
    kafkajs: {
      groupId: 'g1',
      groupGenerationId: 5,
      memberId: 'member-1',
      retentionTime: 604_800_000,
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, offset: BIG.toString(), timestamp: 1_700_000_000_000, metadata: 'meta-ü' },
            { partition: 1, offset: '-1', timestamp: -1 },
          ],
        },
        { topic: 'audit', partitions: [{ partition: 2, offset: '0', timestamp: 0, metadata: '' }] },
      ],
    },
    ours: {
      groupId: 'g1',
      ...since(v, 1, { generationIdOrMemberEpoch: 5, memberId: 'member-1' }),
      ...between(v, 2, 4, { retentionTimeMs: 604_800_000n }),
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: BIG, ...between(v, 1, 1, { commitTimestamp: 1_700_000_000_000n }), committedMetadata: 'meta-ü' },
            { partitionIndex: 1, committedOffset: -1n, ...between(v, 1, 1, { commitTimestamp: -1n }), committedMetadata: null },
          ],
        },
        { name: 'audit', partitions: [{ partitionIndex: 2, committedOffset: 0n, ...between(v, 1, 1, { commitTimestamp: 0n }), committedMetadata: '' }] },
      ],
    } satisfies OffsetCommit.OffsetCommitRequestInput,
  }),
  response: (v) => ({
    ours: {
      ...since(v, 3, { throttleTimeMs: 15 }),
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 12 }] },
        { name: 'audit', partitions: [{ partitionIndex: 2, errorCode: 0 }] },
      ],
    } satisfies OffsetCommit.OffsetCommitResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 3, 4, 15),
      responses: [
        { topic: 'orders', partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 12 }] },
        { topic: 'audit', partitions: [{ partition: 2, errorCode: 0 }] },
      ],
    },
  }),
};

const offsetFetch: Case = {
  api: 'offsetFetch',
  apiKey: ApiKey.OffsetFetch,
  versions: range(1, 4),
  request: (v) => [
    {
      kafkajs: {
        groupId: 'g1',
        topics: [
          { topic: 'orders', partitions: [{ partition: 0 }, { partition: 1 }] },
          { topic: 'audit', partitions: [{ partition: 7 }] },
        ],
      },
      ours: {
        groupId: 'g1',
        topics: [
          { name: 'orders', partitionIndexes: [0, 1] },
          { name: 'audit', partitionIndexes: [7] },
        ],
      } satisfies OffsetFetch.OffsetFetchRequestInput,
    },
    {
      // "All topics": kafkajs sends an empty list as null from v3 on (writeNullableArray).
      kafkajs: { groupId: 'g2', topics: [] },
      ours: { groupId: 'g2', topics: v >= 3 ? null : [] } satisfies OffsetFetch.OffsetFetchRequestInput,
    },
  ],
  response: (v) => ({
    ours: {
      ...since(v, 3, { throttleTimeMs: 16 }),
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: BIG, metadata: 'meta-ü', errorCode: 0 },
            { partitionIndex: 1, committedOffset: -1n, metadata: null, errorCode: 0 },
          ],
        },
      ],
      ...since(v, 2, { errorCode: 14 }),
    } satisfies OffsetFetch.OffsetFetchResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 3, 4, 16),
      responses: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, offset: BIG.toString(), metadata: 'meta-ü', errorCode: 0 },
            { partition: 1, offset: '-1', metadata: null, errorCode: 0 },
          ],
        },
      ],
      ...since(v, 2, { errorCode: 14 }),
    },
  }),
};

const describeGroups: Case = {
  api: 'describeGroups',
  apiKey: ApiKey.DescribeGroups,
  versions: range(0, 2),
  request: () => ({ kafkajs: { groupIds: ['g1', 'g2'] }, ours: { groups: ['g1', 'g2'] } satisfies DescribeGroups.DescribeGroupsRequestInput }),
  response: (v) => ({
    ours: {
      ...since(v, 1, { throttleTimeMs: 17 }),
      groups: [
        {
          errorCode: 0,
          groupId: 'g1',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'RoundRobinAssigner',
          members: [
            { memberId: 'member-1', clientId: 'client-1', clientHost: '/10.0.0.1', memberMetadata: subscription, memberAssignment: assignment },
            { memberId: 'member-2', clientId: 'client-2', clientHost: '/10.0.0.2', memberMetadata: Buffer.alloc(0), memberAssignment: Buffer.alloc(0) },
          ],
        },
        { errorCode: 69, groupId: 'g2', groupState: 'Dead', protocolType: '', protocolData: '', members: [] },
      ],
    } satisfies DescribeGroups.DescribeGroupsResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 1, 2, 17),
      groups: [
        {
          errorCode: 0,
          groupId: 'g1',
          state: 'Stable',
          protocolType: 'consumer',
          protocol: 'RoundRobinAssigner',
          members: [
            { memberId: 'member-1', clientId: 'client-1', clientHost: '/10.0.0.1', memberMetadata: subscription, memberAssignment: assignment },
            { memberId: 'member-2', clientId: 'client-2', clientHost: '/10.0.0.2', memberMetadata: Buffer.alloc(0), memberAssignment: Buffer.alloc(0) },
          ],
        },
        { errorCode: 69, groupId: 'g2', state: 'Dead', protocolType: '', protocol: '', members: [] },
      ],
    },
  }),
};

const listGroups: Case = {
  api: 'listGroups',
  apiKey: ApiKey.ListGroups,
  versions: range(0, 2),
  request: () => ({ kafkajs: undefined, ours: {} satisfies ListGroups.ListGroupsRequestInput }),
  response: (v) => {
    const groups = [
      { groupId: 'g1', protocolType: 'consumer' },
      { groupId: 'connect-ü', protocolType: 'connect' },
    ];
    return {
      ours: { ...since(v, 1, { throttleTimeMs: 2_147_483_647 }), errorCode: 0, groups } satisfies ListGroups.ListGroupsResponseInput,
      kafkajs: { ...kafkajsThrottle(v, 1, 2, 2_147_483_647), errorCode: 0, groups },
    };
  },
};

export const groupCases: Case[] = [
  findCoordinator,
  joinGroup,
  syncGroup,
  heartbeat,
  leaveGroup,
  offsetCommit,
  offsetFetch,
  describeGroups,
  listGroups,
];
