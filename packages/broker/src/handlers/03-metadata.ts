import { ApiKey, ErrorCode, Metadata } from '@samsa/protocol';
import type { BrokerServices } from '../broker-services.js';
import { validateTopicName } from '../controller/topic-admin.js';
import type { TopicInfo } from '../metadata/cluster-metadata.js';
import { defineHandler } from './handler.js';

/** Kafka's "not requested" value for authorized-operations fields. */
const OPERATIONS_NOT_REQUESTED = -2147483648;

export function describeTopic(broker: BrokerServices, t: TopicInfo): Metadata.MetadataResponseTopicInput {
  const live = broker.metadata.brokers;
  return {
    errorCode: 0,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.internal,
    partitions: t.partitions.map((p) => {
      // A leader whose registration is gone (dead, its election not written yet) is reported
      // as none (-1), as Kafka's metadata cache does: a client would find no address for it
      // in the broker list anyway, and must keep asking until the new leader is named.
      const stated = p.state?.leader ?? -1;
      const leader = stated >= 0 && live.has(stated) ? stated : -1;
      return {
        errorCode: leader >= 0 ? 0 : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex: p.index,
        leaderId: leader,
        leaderEpoch: p.state?.leaderEpoch ?? -1,
        replicaNodes: [...p.replicas],
        isrNodes: [...(p.state?.isr ?? [])],
        offlineReplicas: p.replicas.filter((b) => !live.has(b)),
      };
    }),
    topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
  };
}

function unknownTopic(name: string | null, topicId: string, errorCode: number): Metadata.MetadataResponseTopicInput {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED };
}

/**
 * Metadata v0-12. Topics: null (v1+) or empty (v0) means all; unknown topics are created
 * when auto.create.topics.enable is on and the request allows it (always, before v4).
 */
export const metadataHandler = defineHandler<Metadata.MetadataRequest, Metadata.MetadataResponseInput>({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, req) {
    const { broker } = ctx;
    const v = ctx.header.apiVersion;
    const all = req.topics === null || (v === 0 && req.topics.length === 0);
    const topics: Metadata.MetadataResponseTopicInput[] = [];
    if (all) {
      for (const name of broker.metadata.topicNames()) topics.push(describeTopic(broker, broker.metadata.topic(name)!));
    } else {
      const allowAuto = v < 4 || req.allowAutoTopicCreation;
      for (const rt of req.topics ?? []) {
        let t = rt.name !== null ? broker.metadata.topic(rt.name) : broker.metadata.topicById(rt.topicId);
        if (!t && rt.name !== null && allowAuto) {
          const created = await broker.autoCreateTopic(rt.name);
          t = created ? broker.metadata.topic(rt.name) : null;
          if (created && !t) {
            topics.push(unknownTopic(rt.name, rt.topicId, ErrorCode.LEADER_NOT_AVAILABLE));
            continue;
          }
        }
        if (t) topics.push(describeTopic(broker, t));
        else if (rt.name === null) topics.push(unknownTopic(null, rt.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
        else topics.push(unknownTopic(rt.name, rt.topicId, isValidName(rt.name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [...broker.metadata.brokers.values()]
        .sort((a, b) => a.nodeId - b.nodeId)
        .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterId: broker.metadata.clusterId,
      controllerId: broker.metadata.controller?.brokerId ?? broker.nodeId,
      topics,
      clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
    };
  },
});

function isValidName(name: string): boolean {
  try {
    validateTopicName(name);
    return true;
  } catch {
    return false;
  }
}
