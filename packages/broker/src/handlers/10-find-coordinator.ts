import { ApiKey, ErrorCode, FindCoordinator } from '@samsa/protocol';
import type { BrokerServices } from '../broker-services.js';
import { OFFSETS_TOPIC } from '../coordinator/group/group-coordinator.js';
import { defineHandler } from './handler.js';

const GROUP = 0;
const TRANSACTION = 1;

interface Found {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

const none = (errorCode: number, errorMessage: string | null): Found => ({ errorCode, errorMessage, nodeId: -1, host: '', port: -1 });

/** The coordinator of a group is the leader of its __consumer_offsets partition. */
async function find(broker: BrokerServices, key: string, keyType: number): Promise<Found> {
  if (keyType === TRANSACTION) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'transactions are not supported yet');
  if (keyType !== GROUP) return none(ErrorCode.INVALID_REQUEST, `unknown key type ${keyType}`);
  if (key.length === 0) return none(ErrorCode.INVALID_GROUP_ID, 'the group id is empty');
  if (!(await broker.groupCoordinator.ensureOffsetsTopic())) {
    return none(ErrorCode.COORDINATOR_NOT_AVAILABLE, `fewer live brokers than offsets.topic.replication.factor`);
  }
  const partition = broker.metadata.partition(OFFSETS_TOPIC, broker.groupCoordinator.partitionOf(key));
  const leader = partition?.state?.leader ?? -1;
  const node = broker.metadata.brokers.get(leader);
  if (!node) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE, `the coordinator partition has no live leader`);
  return { errorCode: 0, errorMessage: null, nodeId: node.nodeId, host: node.host, port: node.port };
}

/** FindCoordinator v0-5 (v4+ asks for several keys at once). */
export const findCoordinatorHandler = defineHandler<FindCoordinator.FindCoordinatorRequest, FindCoordinator.FindCoordinatorResponseInput>({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    if (v >= 4) {
      const coordinators = await Promise.all(req.coordinatorKeys.map(async (key) => ({ key, ...(await find(ctx.broker, key, req.keyType)) })));
      return { throttleTimeMs: 0, coordinators };
    }
    const f = await find(ctx.broker, req.key, v >= 1 ? req.keyType : GROUP);
    return { throttleTimeMs: 0, ...f, ...(v === 0 ? { errorMessage: undefined } : {}) };
  },
});
