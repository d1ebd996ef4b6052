/**
 * What handlers reach through their context: the broker's configuration and its parts.
 */
import type { BrokerConfig } from './config/broker-config.js';
import type { ControllerOperations } from './controller/operations.js';
import type { TopicAdmin } from './controller/topic-admin.js';
import type { GroupCoordinator } from './coordinator/group/group-coordinator.js';
import type { ProducerIdManager } from './coordinator/producer-id-manager.js';
import type { Handler } from './handlers/handler.js';
import type { ClusterMetadata } from './metadata/cluster-metadata.js';
import type { Clock } from './platform/clock.js';
import type { Logger } from './platform/logger.js';
import type { ReadBufferPool } from './log/read-buffer-pool.js';
import type { PeerNetwork } from './replication/peer-network.js';
import type { ReplicaManager } from './replication/replica-manager.js';
import type { FaultHooks } from './server/fault-hooks.js';

export interface BrokerServices {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metadata: ClusterMetadata;
  readonly topicAdmin: TopicAdmin;
  /** ElectLeaders and reassignments, run by the active controller (NOT_CONTROLLER elsewhere). */
  readonly controllerOps: ControllerOperations;
  readonly replicaManager: ReplicaManager;
  readonly groupCoordinator: GroupCoordinator;
  readonly producerIds: ProducerIdManager;
  readonly handlers: ReadonlyMap<number, Handler>;
  /** Buffers for Fetch reads, released once each response is written. */
  readonly readBuffers: ReadBufferPool;
  /** Down while the in-process cluster cuts this broker off: no replica fetching either way. */
  readonly peerNetwork: PeerNetwork;
  /** Test hooks that hold responses (the in-process cluster's fault injection); empty otherwise. */
  readonly faults: FaultHooks;
  /**
   * Creates a topic with the broker defaults if auto.create.topics.enable allows it, and
   * waits (bounded) until this broker can serve it. Returns false when it may not be created.
   */
  autoCreateTopic(name: string): Promise<boolean>;
}
