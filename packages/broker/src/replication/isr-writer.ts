/**
 * The leader writes its own ISR changes, as a ZooKeeper-mode Kafka leader did: a
 * compare-and-swap of /partitions/<t>/<i> against the revision it read, applied only while
 * the stored state still names this broker as leader with the leader epoch it leads under.
 * Why not ask the controller (KRaft's AlterPartition): the controller is another broker
 * reached through the store anyway, and a CAS guarded by leader epoch and revision gives the
 * same safety with one round trip fewer; the controller never undoes the change because it
 * recomputes every state from the store (it only drops dead brokers from an ISR, and the
 * leader adds only registered ones).
 */
import { Keys, type PartitionState } from '../metadata/keys.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Logger } from '../platform/logger.js';
import type { Partition } from './partition.js';

export function makeIsrWriter(store: MetadataStore, nodeId: number, log: Logger) {
  return async (p: Partition, isr: readonly number[], reason: string): Promise<number | null> => {
    const key = Keys.partition(p.topic, p.index);
    const kv = await store.get(key);
    if (!kv) return null;
    const state = JSON.parse(kv.value) as PartitionState;
    if (state.leader !== nodeId || state.leaderEpoch !== p.leaderEpoch) return null;
    const next: PartitionState = { ...state, isr: [...isr], partitionEpoch: state.partitionEpoch + 1 };
    const result = await store.txn([{ key, modRevision: kv.modRevision }], [{ type: 'put', key, value: JSON.stringify(next) }]);
    if (!result.succeeded) return null;
    log.info({ partition: p.name, leaderEpoch: p.leaderEpoch, isr: next.isr, previousIsr: state.isr, partitionEpoch: next.partitionEpoch, reason }, 'ISR changed');
    return next.partitionEpoch;
  };
}
