/**
 * `samsa topics describe`: each topic's partitions (leader, replicas, ISR, offline replicas)
 * and the settings set on the topic itself (those that differ from the broker's defaults), as
 * kafka-topics.sh --describe prints them.
 */
import type { Admin, ConfigEntry, TopicDescription } from '@samsa/client';
import type { Command } from 'commander';
import { withAdmin } from '../bootstrap.js';
import { failOnItemErrors } from '../errors.js';
import { clientCommand, setup, type ClientOptions } from '../options.js';
import type { Output } from '../output.js';

export interface DescribedTopic {
  topic: string;
  topicId: string | null;
  isInternal: boolean;
  replicationFactor: number;
  partitions: Array<{ partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[]; offlineReplicas: number[] }>;
  /** Settings set on the topic (DYNAMIC_TOPIC_CONFIG); sensitive values are null. */
  configs: Record<string, string | null>;
}

/** A topic's own settings: those whose value comes from the topic, not a broker default. */
export function topicOverrides(entries: readonly ConfigEntry[]): Record<string, string | null> {
  return Object.fromEntries(entries.filter((e) => e.source === 'DYNAMIC_TOPIC_CONFIG').map((e) => [e.name, e.value]));
}

export async function describeTopics(admin: Admin, names: string[] | undefined): Promise<DescribedTopic[]> {
  let topics: TopicDescription[];
  if (names === undefined || names.length === 0) {
    topics = (await admin.describeTopics()).filter((t) => !t.isInternal && t.error === null);
  } else {
    topics = await admin.describeTopics(names);
    failOnItemErrors('topic', topics.map((t) => ({ name: t.topic, error: t.error })));
  }
  const configs = topics.length === 0 ? [] : await admin.describeConfigs(topics.map((t) => ({ type: 'topic' as const, name: t.topic })));
  return topics.map((t, i) => ({
    topic: t.topic,
    topicId: t.topicId,
    isInternal: t.isInternal,
    replicationFactor: Math.max(0, ...t.partitions.map((p) => p.replicas.length)),
    partitions: t.partitions.map(({ partition, leader, leaderEpoch, replicas, isr, offlineReplicas }) => ({ partition, leader, leaderEpoch, replicas, isr, offlineReplicas })),
    configs: configs[i]?.error ? {} : topicOverrides(configs[i]?.configs ?? []),
  }));
}

function print(out: Output, t: DescribedTopic): void {
  const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v ?? '(sensitive)'}`);
  out.line(`${out.c.bold('Topic:')} ${t.topic}  ${out.c.dim('ID:')} ${t.topicId ?? '-'}  ${out.c.dim('Partitions:')} ${t.partitions.length}  ${out.c.dim('ReplicationFactor:')} ${t.replicationFactor}`);
  out.line(`${out.c.dim('Configs:')} ${configs.length > 0 ? configs.join(', ') : '(broker defaults)'}`);
  const list = (ids: number[]): string => (ids.length === 0 ? '-' : ids.join(','));
  out.table(
    ['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'OFFLINE'],
    t.partitions.map((p) => {
      const leader = p.leader < 0 ? out.c.red('none') : String(p.leader);
      const isr = p.isr.length < p.replicas.length ? out.c.yellow(list(p.isr)) : list(p.isr);
      return [p.partition, leader, p.leaderEpoch, list(p.replicas), isr, p.offlineReplicas.length > 0 ? out.c.red(list(p.offlineReplicas)) : '-'];
    }),
  );
}

export function describeTopicsCommand(): Command {
  return clientCommand('describe', 'show partitions (leader, replicas, ISR, offline replicas) and settings of topics', [
    'samsa topics describe events',
    'samsa topics describe                 (every topic)',
    'samsa topics describe events --json',
  ])
    .argument('[topic...]', 'the topics (default: every topic but the internal ones)')
    .action(async (names: string[], opts: ClientOptions) => {
      const { bootstrap, out } = setup(opts);
      const topics = await withAdmin(bootstrap, (admin) => describeTopics(admin, names));
      if (out.json) return out.document({ topics });
      if (topics.length === 0) out.line(out.c.dim('(no topics)'));
      topics.forEach((t, i) => {
        if (i > 0) out.line();
        print(out, t);
      });
    });
}
