import { ApiKey, DescribeCluster, ErrorCode } from '@samsa/protocol';
import { defineHandler } from './handler.js';

/** DescribeCluster v0-1: brokers, controller and cluster id (endpoint type 1, brokers, only). */
export const describeClusterHandler = defineHandler<DescribeCluster.DescribeClusterRequest, DescribeCluster.DescribeClusterResponseInput>({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const { broker } = ctx;
    if (ctx.header.apiVersion >= 1 && req.endpointType !== 1) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'only broker endpoints (type 1) are served', endpointType: req.endpointType, clusterId: broker.metadata.clusterId, brokers: [] };
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: 1,
      clusterId: broker.metadata.clusterId,
      controllerId: broker.metadata.controller?.brokerId ?? broker.nodeId,
      brokers: [...broker.metadata.brokers.values()]
        .sort((a, b) => a.nodeId - b.nodeId)
        .map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterAuthorizedOperations: -2147483648,
    };
  },
});
