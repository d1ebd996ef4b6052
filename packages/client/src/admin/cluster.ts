/**
 * The cluster's brokers, controller and id: DescribeCluster (Kafka 2.8+) when the broker
 * speaks it, else Metadata, which carries the same three.
 */
import { ApiKey, type DescribeCluster } from '@samsa/protocol';
import { KafkaProtocolError } from '../errors.js';
import type { AdminContext } from './context.js';

export interface BrokerDescription {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ClusterDescription {
  clusterId: string | null;
  /** The controller's broker id, -1 when none is known. */
  controllerId: number;
  controller: BrokerDescription | null;
  brokers: BrokerDescription[];
}

/** DescribeCluster v1 asks for an endpoint type; 1 is brokers. */
const BROKER_ENDPOINTS = 1;

export async function describeCluster(ctx: AdminContext, options: { timeoutMs?: number } = {}): Promise<ClusterDescription> {
  const deadline = ctx.deadline(options.timeoutMs);
  return ctx.retry('describeCluster', deadline, async () => {
    const conn = await ctx.any();
    let clusterId: string | null;
    let controllerId: number;
    let brokers: BrokerDescription[];
    if (conn.versions.has(ApiKey.DescribeCluster)) {
      const v = conn.version(ApiKey.DescribeCluster);
      const res = await ctx.send<DescribeCluster.DescribeClusterResponse>(conn, ApiKey.DescribeCluster, v >= 1 ? { endpointType: BROKER_ENDPOINTS } : {}, deadline);
      if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, res.errorMessage);
      clusterId = res.clusterId;
      controllerId = res.controllerId;
      brokers = res.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack }));
    } else {
      const res = await ctx.metadata([], deadline);
      clusterId = res.clusterId;
      controllerId = res.controllerId;
      brokers = res.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    }
    brokers.sort((a, b) => a.nodeId - b.nodeId);
    return { clusterId, controllerId, controller: brokers.find((b) => b.nodeId === controllerId) ?? null, brokers };
  });
}
