import { ApiKey, OffsetFetch } from '@samsa/protocol';
import type { BrokerServices } from '../broker-services.js';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

interface Wanted {
  name: string;
  partitionIndexes: number[];
}

interface GroupOffsets {
  errorCode: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }> }>;
}

/** One group's committed offsets: the partitions asked for (null: every committed one); -1 where none. */
function offsetsOf(broker: BrokerServices, groupId: string, topics: readonly Wanted[] | null): GroupOffsets {
  const errorCode = groupError(broker, groupId);
  if (errorCode) return { errorCode, topics: [] };
  const committed = broker.groupCoordinator.committed(groupId);
  const wanted: Wanted[] = topics ? [...topics] : [...committed].map(([name, m]) => ({ name, partitionIndexes: [...m.keys()].sort((a, b) => a - b) }));
  return {
    errorCode: 0,
    topics: wanted.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const c = committed.get(t.name)?.get(partitionIndex);
        return { partitionIndex, committedOffset: c?.offset ?? -1n, committedLeaderEpoch: c?.leaderEpoch ?? -1, metadata: c?.metadata ?? '', errorCode: 0 };
      }),
    })),
  };
}

/** OffsetFetch v0-9: one group (v0-7) or several at once (v8+). */
export const offsetFetchHandler = defineHandler<OffsetFetch.OffsetFetchRequest, OffsetFetch.OffsetFetchResponseInput>({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const epochs = v >= 5;
    const shape = (g: GroupOffsets) =>
      g.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...p, ...(epochs ? {} : { committedLeaderEpoch: undefined }) })) }));
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((rg) => {
          const g = offsetsOf(ctx.broker, rg.groupId, rg.topics);
          return { groupId: rg.groupId, errorCode: g.errorCode, topics: shape(g) };
        }),
      };
    }
    const g = offsetsOf(ctx.broker, req.groupId, req.topics);
    if (g.errorCode && v < 2) {
      // v0-1 have no top-level error: every partition asked for carries it.
      const topics = (req.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, metadata: '', errorCode: g.errorCode })),
      }));
      return { throttleTimeMs: 0, topics };
    }
    return { throttleTimeMs: 0, errorCode: g.errorCode, topics: shape(g) };
  },
});
