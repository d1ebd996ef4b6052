/**
 * Partition requests (ListOffsets, DeleteRecords) go to each partition's leader: one request
 * per leader, sent together. A partition without a leader, or whose leader's connection
 * fails, or which answers NOT_LEADER_OR_FOLLOWER, goes back for another round, which looks
 * the leaders up afresh; a topic or partition that does not exist settles at once.
 */
import { ErrorCode } from '@samsa/protocol';
import type { BrokerConnection } from '../connection/connection.js';
import { KafkaProtocolError, SamsaClientError } from '../errors.js';
import type { AdminContext, ItemOutcome } from './context.js';

import type { TopicPartition } from '../consumer/types.js';

export type { TopicPartition };

export const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

/**
 * One round over `pending` (keys of `items`): `send` gets one leader's partitions, grouped by
 * topic, and returns their outcomes by key; `fail` makes the settled result of a partition
 * whose topic or partition does not exist.
 */
export async function leaderRound<T extends TopicPartition, R>(
  ctx: AdminContext,
  deadline: number,
  pending: readonly string[],
  items: ReadonlyMap<string, T>,
  send: (conn: BrokerConnection, byTopic: Map<string, T[]>) => Promise<Map<string, ItemOutcome<R>>>,
  fail: (item: T, error: KafkaProtocolError) => R,
): Promise<Map<string, ItemOutcome<R>>> {
  const topics = [...new Set(pending.map((k) => items.get(k)!.topic))];
  const md = await ctx.metadata(topics, deadline);
  const leaders = new Map<string, number>();
  const topicErrors = new Map<string, number>();
  for (const t of md.topics) {
    if (t.name === null) continue;
    if (t.errorCode !== 0) topicErrors.set(t.name, t.errorCode);
    for (const p of t.partitions) leaders.set(`${t.name}:${p.partitionIndex}`, p.leaderId);
  }
  const out = new Map<string, ItemOutcome<R>>();
  const byLeader = new Map<number, T[]>();
  for (const k of pending) {
    const item = items.get(k)!;
    const topicError = topicErrors.get(item.topic);
    const leader = leaders.get(k);
    if (topicError !== undefined && topicError !== ErrorCode.LEADER_NOT_AVAILABLE) out.set(k, { result: fail(item, new KafkaProtocolError(topicError, `topic ${item.topic}`)) });
    else if (leader === undefined && topicError === undefined) out.set(k, { result: fail(item, new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${k}`)) });
    else if (leader === undefined || leader < 0) out.set(k, { retry: new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `partition ${k} has no leader`) });
    else byLeader.set(leader, [...(byLeader.get(leader) ?? []), item]);
  }
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      try {
        const byTopic = new Map<string, T[]>();
        for (const item of list) byTopic.set(item.topic, [...(byTopic.get(item.topic) ?? []), item]);
        for (const [k, o] of await send(await ctx.node(leader, deadline), byTopic)) out.set(k, o);
      } catch (e) {
        // One leader out of reach must not cost the other leaders' answers.
        if (!(e instanceof SamsaClientError) || !e.retriable) throw e;
        for (const item of list) out.set(tpKey(item), { retry: e });
      }
    }),
  );
  return out;
}
