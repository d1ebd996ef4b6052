/**
 * Producers and consumers wait for a missing topic to appear (max.block.ms, a minute); the
 * CLI asks first, so a typo is a one-line error at once rather than a minute's wait.
 */
import type { Admin, TopicDescription } from '@samsa/client';
import { withAdmin } from './bootstrap.js';
import { failOnItemErrors, UsageError } from './errors.js';

export async function describeTopic(admin: Admin, topic: string): Promise<TopicDescription> {
  const [d] = await admin.describeTopics([topic]);
  failOnItemErrors('topic', [{ name: topic, error: d!.error }]);
  return d!;
}

/** Checks the cluster is reachable and `topic` exists (and has `partition`, when given); returns its partition count. */
export async function requireTopic(bootstrap: string, topic: string, partition?: number): Promise<number> {
  const d = await withAdmin(bootstrap, (admin) => describeTopic(admin, topic));
  const count = d.partitions.length;
  if (partition !== undefined && partition >= count) throw new UsageError(`--partition ${partition} is out of range: topic ${topic} has partitions 0 to ${count - 1}`);
  return count;
}
