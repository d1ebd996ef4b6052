/**
 * The metadata store's key layout and value shapes. Values are JSON.
 *
 *   /cluster/id                      "<cluster id>"
 *   /brokers/ids/<id>                BrokerRegistration   (ephemeral, bound to the broker's lease)
 *   /brokers/shutting_down/<id>      ShutdownRecord       (ephemeral: the broker asks for controlled shutdown)
 *   /controller                      ControllerRecord     (ephemeral, bound to the controller's lease)
 *   /controller_epoch                number
 *   /topics/<name>                   TopicRecord          (replica assignment)
 *   /partitions/<name>/<index>       PartitionState       (leader, epoch, ISR; CAS-guarded)
 *   /configs/topics/<name>           { [name]: value }    (topic config overrides)
 *
 * Topic names are limited to [a-zA-Z0-9._-], so they never contain '/'.
 */
export interface BrokerRegistration {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
  /**
   * Random per broker process (Kafka's incarnation id): a broker restarted before its old
   * lease expired replaces its own registration without a gap, and this is how the
   * controller still sees that a new process, with possibly less data, took its place.
   */
  incarnationId?: string;
  /**
   * The session lease this registration is bound to, so that another broker that proves
   * this one dead (controller/liveness-probe.ts) can end its session without waiting for
   * the TTL. Absent in registrations written before it existed.
   */
  leaseId?: string;
}

/** A broker's request to have its leaderships moved before it stops (controlled-shutdown.ts). */
export interface ShutdownRecord {
  nodeId: number;
  incarnationId?: string;
}

export interface ControllerRecord {
  brokerId: number;
  epoch: number;
}

export interface TopicRecord {
  topicId: string;
  /** Replicas (broker ids, preferred leader first) for each partition index. */
  replicas: number[][];
  internal?: boolean;
}

export interface PartitionState {
  /** -1 when the partition has no leader (offline). */
  leader: number;
  leaderEpoch: number;
  isr: number[];
  /** Bumped on every state change (leader or ISR), for compare-and-swap. */
  partitionEpoch: number;
  controllerEpoch: number;
  /**
   * A reassignment in progress (KRaft's PartitionRecord fields): replicas being added (not
   * yet caught up) and being removed. AR in the topic record is then target + removing.
   */
  addingReplicas?: number[];
  removingReplicas?: number[];
}

export type ParsedKey =
  | { kind: 'clusterId' }
  | { kind: 'broker'; id: number }
  | { kind: 'shuttingDown'; id: number }
  | { kind: 'controller' }
  | { kind: 'controllerEpoch' }
  | { kind: 'topic'; topic: string }
  | { kind: 'partition'; topic: string; partition: number }
  | { kind: 'topicConfig'; topic: string };

export const Keys = {
  clusterId: '/cluster/id',
  broker: (id: number) => `/brokers/ids/${id}`,
  brokersPrefix: '/brokers/ids/',
  shuttingDown: (id: number) => `/brokers/shutting_down/${id}`,
  controller: '/controller',
  controllerEpoch: '/controller_epoch',
  topic: (name: string) => `/topics/${name}`,
  topicsPrefix: '/topics/',
  partition: (name: string, index: number) => `/partitions/${name}/${index}`,
  partitionsPrefix: (name: string) => `/partitions/${name}/`,
  topicConfig: (name: string) => `/configs/topics/${name}`,

  parse(key: string): ParsedKey | null {
    if (key === '/cluster/id') return { kind: 'clusterId' };
    if (key === '/controller') return { kind: 'controller' };
    if (key === '/controller_epoch') return { kind: 'controllerEpoch' };
    let m = /^\/brokers\/ids\/(\d+)$/.exec(key);
    if (m) return { kind: 'broker', id: Number(m[1]) };
    m = /^\/brokers\/shutting_down\/(\d+)$/.exec(key);
    if (m) return { kind: 'shuttingDown', id: Number(m[1]) };
    m = /^\/topics\/([^/]+)$/.exec(key);
    if (m) return { kind: 'topic', topic: m[1]! };
    m = /^\/partitions\/([^/]+)\/(\d+)$/.exec(key);
    if (m) return { kind: 'partition', topic: m[1]!, partition: Number(m[2]) };
    m = /^\/configs\/topics\/([^/]+)$/.exec(key);
    if (m) return { kind: 'topicConfig', topic: m[1]! };
    return null;
  },
};
