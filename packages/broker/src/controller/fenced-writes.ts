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
import { Keys, type ControllerRecord, type PartitionState } from '../metadata/keys.js';
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

/** Writes a topic's partition-state changes atomically; false when any compare failed. */
export async function writePartitionStates(
  store: MetadataStore,
  fence: ControllerFence,
  topic: string,
  topicRevision: number,
  changes: readonly StateChange[],
): Promise<boolean> {
  const compares: Compare[] = [
    { key: Keys.controllerEpoch, modRevision: fence.epochRevision },
    { key: Keys.topic(topic), modRevision: topicRevision },
  ];
  const ops: TxnOp[] = [];
  for (const c of changes) {
    compares.push({ key: Keys.partition(topic, c.partition), modRevision: c.fromRevision });
    ops.push({ type: 'put', key: Keys.partition(topic, c.partition), value: JSON.stringify({ ...c.state, controllerEpoch: fence.epoch }) });
  }
  return (await store.txn(compares, ops)).succeeded;
}

/** Whether the fence still holds: no controller has been elected since it was claimed. */
export async function fenceHolds(store: MetadataStore, fence: ControllerFence): Promise<boolean> {
  return (await store.get(Keys.controllerEpoch))?.modRevision === fence.epochRevision;
}
