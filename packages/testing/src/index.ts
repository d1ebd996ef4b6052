export { startCluster, TEST_SETTINGS, type Cluster, type ClusterOptions } from './cluster.js';
export { ClusterBroker, type BrokerStatus } from './cluster-broker.js';
export type { ReplicaComparison } from './replica-check.js';
