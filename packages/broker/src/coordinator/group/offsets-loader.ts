/**
 * Replays one __consumer_offsets partition into the coordinator's state: the latest value
 * of each key wins and a tombstone deletes it, which is what compaction would leave.
 *
 * It reads to the log end, not the high watermark, as Kafka's loader does. A new leader's
 * HW lags: a follower hears of the HW one fetch after it copied the records, so a commit
 * the old leader acknowledged (its HW passed it) may sit above the new leader's HW. Every
 * record a leader holds stays in the partition (followers truncate to the leader), and the
 * HW passes it as soon as the followers fetch again.
 */
import { iterateBatches, isControlBatch, readRecords } from '@samsa/protocol';
import type { Partition } from '../../replication/partition.js';
import { decodeGroupValue, decodeKey, decodeOffsetValue, type GroupValue, type OffsetValue } from './offsets-records.js';

const READ_CHUNK_BYTES = 1 << 20;

export interface LoadedState {
  offsets: Map<string, Map<string, Map<number, OffsetValue>>>;
  groups: Map<string, GroupValue>;
}

export async function loadOffsetsPartition(p: Partition, ownsGroup: (groupId: string) => boolean): Promise<LoadedState> {
  const offsets: LoadedState['offsets'] = new Map();
  const groups: LoadedState['groups'] = new Map();
  let offset = p.logStartOffset;
  const end = p.logEndOffset;
  while (offset < end) {
    const { records, nextOffset } = await p.log.read(offset, READ_CHUNK_BYTES, { maxOffset: end, minOneBatch: true });
    if (records.length === 0 || nextOffset <= offset) break;
    for (const batch of iterateBatches(records)) {
      if (isControlBatch(batch.header)) continue;
      for (const record of readRecords(batch)) {
        if (!record.key) continue;
        const key = decodeKey(record.key);
        if (!ownsGroup(key.group)) continue;
        if (key.kind === 'offset') {
          let byTopic = offsets.get(key.group);
          if (!byTopic) offsets.set(key.group, (byTopic = new Map()));
          let byPartition = byTopic.get(key.topic);
          if (!byPartition) byTopic.set(key.topic, (byPartition = new Map()));
          if (record.value) byPartition.set(key.partition, decodeOffsetValue(record.value));
          else byPartition.delete(key.partition);
        } else if (record.value) groups.set(key.group, decodeGroupValue(record.value));
        else groups.delete(key.group);
      }
    }
    offset = nextOffset;
  }
  // Tombstones leave empty maps behind: a group whose offsets were all deleted has none.
  for (const [group, byTopic] of offsets) {
    for (const [topic, byPartition] of byTopic) if (byPartition.size === 0) byTopic.delete(topic);
    if (byTopic.size === 0) offsets.delete(group);
  }
  return { offsets, groups };
}
