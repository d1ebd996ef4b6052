/**
 * The controller's two kinds of store writes, both compare-and-swap transactions:
 *
 * - claiming the controllership: create the ephemeral /controller key (it must be absent)
 *   and bump /controller_epoch (it must be unchanged since read), in one transaction;
 * - writing partition states: every write compares the /controller_epoch key's revision
 *   with the one this controller's claim produced, the topic record's revision, and each
 *   partition key's revision. A newer controller has bumped the epoch key, so a deposed
 *   controller's write fails as a whole, however stale its view; a write computed from a
 *   state someone changed meanwhile fails too, and is recomputed.
 */
import { Keys, type ControllerRecord, type PartitionState, type TopicRecord } from '../metadata/keys.js';
import type { Compare, Lease, MetadataStore, TxnOp } from '../metadata/store.js';

/** What fences a controller's writes: its epoch and the /controller_epoch revision it wrote. */
export interface ControllerFence {
  readonly epoch: number;
  readonly epochRevision: number;
}

/** Tries to become controller; null when another broker holds /controller or won the race. */
export async function claimController(store: MetadataStore, brokerId: number, lease: Lease): Promise<ControllerFence | null> {
  if (await store.get(Keys.controller)) return null;
  const epochKv = await store.get(Keys.controllerEpoch);
  const epoch = (epochKv ? Number(JSON.parse(epochKv.value)) : 0) + 1;
  const record: ControllerRecord = { brokerId, epoch };
  const result = await store.txn(
    [
      { key: Keys.controller, modRevision: 0 },
      { key: Keys.controllerEpoch, modRevision: epochKv?.modRevision ?? 0 },
    ],
    [
      { type: 'put', key: Keys.controller, value: JSON.stringify(record), lease },
      { type: 'put', key: Keys.controllerEpoch, value: JSON.stringify(epoch) },
    ],
  );
  return result.succeeded ? { epoch, epochRevision: result.revision } : null;
}

export interface StateChange {
  readonly partition: number;
  /** The partition key's revision the change was computed from; 0 when it had no state. */
  readonly fromRevision: number;
  readonly state: PartitionState;
}

/**
 * Writes a topic's partition-state changes atomically, with the topic's new record when a
 * reassignment changed its replicas; resolves with the store revision written, or 0 when any
 * compare failed.
 */
export async function writeFenced(
  store: MetadataStore,
  fence: ControllerFence,
  topic: string,
  topicRevision: number,
  changes: readonly StateChange[],
  record?: TopicRecord,
): Promise<number> {
  const compares: Compare[] = [
    { key: Keys.controllerEpoch, modRevision: fence.epochRevision },
    { key: Keys.topic(topic), modRevision: topicRevision },
  ];
  const ops: TxnOp[] = record ? [{ type: 'put', key: Keys.topic(topic), value: JSON.stringify(record) }] : [];
  for (const c of changes) {
    compares.push({ key: Keys.partition(topic, c.partition), modRevision: c.fromRevision });
    ops.push({ type: 'put', key: Keys.partition(topic, c.partition), value: JSON.stringify({ ...c.state, controllerEpoch: fence.epoch }) });
  }
  const result = await store.txn(compares, ops);
  return result.succeeded ? result.revision : 0;
}

/** Whether the fence still holds: no controller has been elected since it was claimed. */
export async function fenceHolds(store: MetadataStore, fence: ControllerFence): Promise<boolean> {
  return (await store.get(Keys.controllerEpoch))?.modRevision === fence.epochRevision;
}

export interface TopicStates {
  readonly record: TopicRecord;
  readonly revision: number;
  readonly states: Map<number, { state: PartitionState; revision: number }>;
}

/** A topic's record and partition states read from the store (not a view), for a fenced write. */
export async function readTopicStates(store: MetadataStore, topic: string): Promise<TopicStates | null> {
  const kv = await store.get(Keys.topic(topic));
  if (!kv) return null;
  const states = new Map<number, { state: PartitionState; revision: number }>();
  for (const p of await store.list(Keys.partitionsPrefix(topic))) {
    const key = Keys.parse(p.key);
    if (key?.kind === 'partition') states.set(key.partition, { state: JSON.parse(p.value) as PartitionState, revision: p.modRevision });
  }
  return { record: JSON.parse(kv.value) as TopicRecord, revision: kv.modRevision, states };
}
