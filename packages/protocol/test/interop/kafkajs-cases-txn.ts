/**
 * kafkajs interop rows: producer ids and transactions (InitProducerId, AddPartitionsToTxn,
 * AddOffsetsToTxn, EndTxn, TxnOffsetCommit), ACLs (DescribeAcls, CreateAcls, DeleteAcls) and
 * SASL (SaslHandshake, SaslAuthenticate).
 */
import { ApiKey } from '../../src/generated/apis.js';
import type {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  CreateAcls,
  DeleteAcls,
  DescribeAcls,
  EndTxn,
  InitProducerId,
  SaslAuthenticate,
  SaslHandshake,
  TxnOffsetCommit,
} from '../../src/index.js';
import { BIG, bytes, kafkajsThrottle, range, since, type Case } from './kafkajs-case.js';
import { kafkajsBytes } from './kafkajs.js';

const producer = { transactionalId: 'txn-ü', producerId: BIG, producerEpoch: 7 };
const kafkajsProducer = { ...producer, producerId: BIG.toString() };

/** The response most transaction APIs share: throttle_time_ms and error_code. */
function throttleAndError(v: number, throttleTimeMs: number, errorCode: number) {
  return {
    ours: { throttleTimeMs, errorCode },
    kafkajs: { ...kafkajsThrottle(v, 0, 1, throttleTimeMs), errorCode },
  };
}

const initProducerId: Case = {
  api: 'initProducerId',
  apiKey: ApiKey.InitProducerId,
  versions: range(0, 1),
  request: () => [
    {
      kafkajs: { transactionalId: 'txn-ü', transactionTimeout: 60_000 },
      ours: { transactionalId: 'txn-ü', transactionTimeoutMs: 60_000 } satisfies InitProducerId.InitProducerIdRequestInput,
    },
    {
      kafkajs: { transactionalId: null, transactionTimeout: 2_147_483_647 },
      ours: { transactionalId: null, transactionTimeoutMs: 2_147_483_647 } satisfies InitProducerId.InitProducerIdRequestInput,
    },
  ],
  response: (v) => [
    {
      ours: { throttleTimeMs: 30, errorCode: 0, producerId: BIG, producerEpoch: 7 } satisfies InitProducerId.InitProducerIdResponseInput,
      kafkajs: { ...kafkajsThrottle(v, 0, 1, 30), errorCode: 0, producerId: BIG.toString(), producerEpoch: 7 },
    },
    {
      ours: { throttleTimeMs: 0, errorCode: 51, producerId: -1n, producerEpoch: -1 } satisfies InitProducerId.InitProducerIdResponseInput,
      kafkajs: { errorCode: 51, producerId: '-1', producerEpoch: -1 },
    },
  ],
};

const addPartitionsToTxn: Case = {
  api: 'addPartitionsToTxn',
  apiKey: ApiKey.AddPartitionsToTxn,
  versions: range(0, 1),
  request: () => ({
    kafkajs: {
      ...kafkajsProducer,
      topics: [
        { topic: 'orders', partitions: [0, 5] },
        { topic: 'audit', partitions: [1] },
      ],
    },
    ours: {
      v3AndBelowTransactionalId: producer.transactionalId,
      v3AndBelowProducerId: producer.producerId,
      v3AndBelowProducerEpoch: producer.producerEpoch,
      v3AndBelowTopics: [
        { name: 'orders', partitions: [0, 5] },
        { name: 'audit', partitions: [1] },
      ],
    } satisfies AddPartitionsToTxn.AddPartitionsToTxnRequestInput,
  }),
  response: (v) => ({
    ours: {
      throttleTimeMs: 31,
      resultsByTopicV3AndBelow: [
        {
          name: 'orders',
          resultsByPartition: [
            { partitionIndex: 0, partitionErrorCode: 0 },
            { partitionIndex: 5, partitionErrorCode: 53 },
          ],
        },
      ],
    } satisfies AddPartitionsToTxn.AddPartitionsToTxnResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 0, 1, 31),
      errors: [
        {
          topic: 'orders',
          partitionErrors: [
            { partition: 0, errorCode: 0 },
            { partition: 5, errorCode: 53 },
          ],
        },
      ],
    },
  }),
};

const addOffsetsToTxn: Case = {
  api: 'addOffsetsToTxn',
  apiKey: ApiKey.AddOffsetsToTxn,
  versions: range(0, 1),
  request: () => ({
    kafkajs: { ...kafkajsProducer, groupId: 'g1' },
    ours: { ...producer, groupId: 'g1' } satisfies AddOffsetsToTxn.AddOffsetsToTxnRequestInput,
  }),
  response: (v) => throttleAndError(v, 32, 0) satisfies { ours: AddOffsetsToTxn.AddOffsetsToTxnResponseInput },
};

const endTxn: Case = {
  api: 'endTxn',
  apiKey: ApiKey.EndTxn,
  versions: range(0, 1),
  request: () => [
    { kafkajs: { ...kafkajsProducer, transactionResult: true }, ours: { ...producer, committed: true } satisfies EndTxn.EndTxnRequestInput },
    { kafkajs: { ...kafkajsProducer, transactionResult: false }, ours: { ...producer, committed: false } satisfies EndTxn.EndTxnRequestInput },
  ],
  response: (v) => throttleAndError(v, 33, 48) satisfies { ours: EndTxn.EndTxnResponseInput },
};

const txnOffsetCommit: Case = {
  api: 'txnOffsetCommit',
  apiKey: ApiKey.TxnOffsetCommit,
  versions: range(0, 1),
  request: () => ({
    kafkajs: {
      ...kafkajsProducer,
      groupId: 'g1',
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, offset: BIG.toString(), metadata: null },
            { partition: 1, offset: '12', metadata: 'm-ü' },
          ],
        },
      ],
    },
    ours: {
      ...producer,
      groupId: 'g1',
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: BIG, committedMetadata: null },
            { partitionIndex: 1, committedOffset: 12n, committedMetadata: 'm-ü' },
          ],
        },
      ],
    } satisfies TxnOffsetCommit.TxnOffsetCommitRequestInput,
  }),
  response: (v) => ({
    ours: {
      throttleTimeMs: 34,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 49 }] }],
    } satisfies TxnOffsetCommit.TxnOffsetCommitResponseInput,
    kafkajs: {
      ...kafkajsThrottle(v, 0, 1, 34),
      topics: [{ topic: 'orders', partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 49 }] }],
    },
  }),
};

// ACL enums as kafkajs and Kafka number them.
const ANY = 1;
const TOPIC = 2;
const GROUP = 3;
const LITERAL = 3;
const PREFIXED = 4;
const READ = 3;
const WRITE = 4;
const DENY = 2;
const ALLOW = 3;

const aliceFilter = { resourceType: TOPIC, resourceName: 'orders', resourcePatternType: LITERAL, principal: 'User:alice', host: '*', operation: READ, permissionType: ALLOW };
const anyFilter = { resourceType: ANY, resourceName: null, resourcePatternType: ANY, principal: null, host: null, operation: ANY, permissionType: ANY };

/** A kafkajs ACL filter as our DescribeAcls / DeleteAcls filter fields. */
function ourFilter(v: number, f: typeof aliceFilter | typeof anyFilter) {
  return {
    resourceTypeFilter: f.resourceType,
    resourceNameFilter: f.resourceName,
    ...since(v, 1, { patternTypeFilter: f.resourcePatternType }),
    principalFilter: f.principal,
    hostFilter: f.host,
    operation: f.operation,
    permissionType: f.permissionType,
  };
}

const describeAcls: Case = {
  api: 'describeAcls',
  apiKey: ApiKey.DescribeAcls,
  versions: range(0, 1),
  request: (v) => [
    { kafkajs: aliceFilter, ours: ourFilter(v, aliceFilter) satisfies DescribeAcls.DescribeAclsRequestInput },
    { kafkajs: anyFilter, ours: ourFilter(v, anyFilter) satisfies DescribeAcls.DescribeAclsRequestInput },
  ],
  response: (v) => {
    const acls = [
      { principal: 'User:alice', host: '*', operation: READ, permissionType: ALLOW },
      { principal: 'User:bob', host: '10.0.0.1', operation: WRITE, permissionType: DENY },
    ];
    return {
      ours: {
        throttleTimeMs: 35,
        errorCode: 0,
        errorMessage: null,
        resources: [{ resourceType: TOPIC, resourceName: 'orders', ...since(v, 1, { patternType: LITERAL }), acls }],
      } satisfies DescribeAcls.DescribeAclsResponseInput,
      kafkajs: {
        ...kafkajsThrottle(v, 0, 1, 35),
        errorCode: 0,
        errorMessage: null,
        resources: [{ resourceType: TOPIC, resourceName: 'orders', ...since(v, 1, { resourcePatternType: LITERAL }), acls }],
      },
    };
  },
};

const creations = [
  aliceFilter,
  { resourceType: GROUP, resourceName: 'g-', resourcePatternType: PREFIXED, principal: 'User:bob', host: '10.0.0.1', operation: WRITE, permissionType: DENY },
];

const createAcls: Case = {
  api: 'createAcls',
  apiKey: ApiKey.CreateAcls,
  versions: range(0, 1),
  request: (v) => ({
    kafkajs: { creations },
    ours: {
      creations: creations.map(({ resourcePatternType, ...c }) => ({ ...c, ...since(v, 1, { resourcePatternType }) })),
    } satisfies CreateAcls.CreateAclsRequestInput,
  }),
  response: (v) => {
    const results = [
      { errorCode: 0, errorMessage: null },
      { errorCode: 31, errorMessage: 'not authorized' },
    ];
    return {
      ours: { throttleTimeMs: 36, results } satisfies CreateAcls.CreateAclsResponseInput,
      kafkajs: { ...kafkajsThrottle(v, 0, 1, 36), creationResponses: results },
    };
  },
};

const deleteAcls: Case = {
  api: 'deleteAcls',
  apiKey: ApiKey.DeleteAcls,
  versions: range(0, 1),
  request: (v) => ({
    kafkajs: { filters: [aliceFilter, anyFilter] },
    ours: { filters: [ourFilter(v, aliceFilter), ourFilter(v, anyFilter)] } satisfies DeleteAcls.DeleteAclsRequestInput,
  }),
  response: (v) => {
    const { resourcePatternType, ...acl } = aliceFilter;
    return {
      ours: {
        throttleTimeMs: 37,
        filterResults: [
          { errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, ...acl, ...since(v, 1, { patternType: resourcePatternType }) }] },
          { errorCode: 87, errorMessage: 'bad filter', matchingAcls: [] },
        ],
      } satisfies DeleteAcls.DeleteAclsResponseInput,
      kafkajs: {
        ...kafkajsThrottle(v, 0, 1, 37),
        filterResponses: [
          { errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, ...acl, ...since(v, 1, { resourcePatternType }) }] },
          { errorCode: 87, errorMessage: 'bad filter', matchingAcls: [] },
        ],
      },
    };
  },
};

const saslHandshake: Case = {
  api: 'saslHandshake',
  apiKey: ApiKey.SaslHandshake,
  versions: range(0, 1),
  request: () => ({ kafkajs: { mechanism: 'SCRAM-SHA-256' }, ours: { mechanism: 'SCRAM-SHA-256' } satisfies SaslHandshake.SaslHandshakeRequestInput }),
  response: () => ({
    ours: { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] } satisfies SaslHandshake.SaslHandshakeResponseInput,
    kafkajs: { errorCode: 0, enabledMechanisms: ['PLAIN', 'SCRAM-SHA-256'] },
  }),
};

// kafkajs's SASL mechanisms hand SaslAuthenticate their bytes already length-prefixed
// (Encoder.writeBytes), and get the response's auth_bytes back length-prefixed the same way.
const clientFirst = bytes('\u0000alice\u0000sécret');
const serverFinal = bytes('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');

const saslAuthenticate: Case = {
  api: 'saslAuthenticate',
  apiKey: ApiKey.SaslAuthenticate,
  versions: range(0, 1),
  request: () => ({ kafkajs: { authBytes: kafkajsBytes(clientFirst) }, ours: { authBytes: clientFirst } satisfies SaslAuthenticate.SaslAuthenticateRequestInput }),
  response: (v) => [
    {
      ours: { errorCode: 0, errorMessage: null, authBytes: serverFinal, ...since(v, 1, { sessionLifetimeMs: BIG }) } satisfies SaslAuthenticate.SaslAuthenticateResponseInput,
      kafkajs: { errorCode: 0, errorMessage: null, authBytes: kafkajsBytes(serverFinal), ...since(v, 1, { sessionLifetimeMs: BIG.toString() }) },
    },
    {
      ours: { errorCode: 58, errorMessage: 'Authentication failed', authBytes: Buffer.alloc(0) } satisfies SaslAuthenticate.SaslAuthenticateResponseInput,
      kafkajs: { errorCode: 58, errorMessage: 'Authentication failed', authBytes: kafkajsBytes(Buffer.alloc(0)), ...since(v, 1, { sessionLifetimeMs: '0' }) },
    },
  ],
};

export const txnCases: Case[] = [
  initProducerId,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  txnOffsetCommit,
  describeAcls,
  createAcls,
  deleteAcls,
  saslHandshake,
  saslAuthenticate,
];
