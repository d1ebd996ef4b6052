/**
 * `samsa topics list|create|describe|alter|delete`, as kafka-topics.sh and kafka-configs.sh
 * (for topics) do them.
 */
import type { Command } from 'commander';
import { withAdmin } from '../bootstrap.js';
import { failOnItemErrors, UsageError } from '../errors.js';
import { clientCommand, collect, intArg, pairArg, parentCommand, setup, type ClientOptions } from '../options.js';
import { describeTopicsCommand } from './topics-describe.js';

interface CreateOptions extends ClientOptions {
  partitions?: number;
  replicationFactor?: number;
  config: Array<[string, string]>;
  ifNotExists?: boolean;
}

interface AlterOptions extends ClientOptions {
  config: Array<[string, string]>;
  deleteConfig: string[];
  partitions?: number;
}

export function topicsCommand(): Command {
  return parentCommand('topics', 'list, create, describe, alter and delete topics', [
    'samsa topics list',
    'samsa topics create events --partitions 6',
    'samsa topics describe events',
    'samsa topics alter events --config retention.ms=3600000',
    'samsa topics delete events',
  ])
    .addCommand(listCommand())
    .addCommand(createCommand())
    .addCommand(describeTopicsCommand())
    .addCommand(alterCommand())
    .addCommand(deleteCommand());
}

function listCommand(): Command {
  return clientCommand('list', 'list the topics with their partition counts', ['samsa topics list', 'samsa topics list --include-internal --json'])
    .option('--include-internal', 'also list internal topics (__consumer_offsets)')
    .action(async (opts: ClientOptions & { includeInternal?: boolean }) => {
      const { bootstrap, out } = setup(opts);
      const topics = await withAdmin(bootstrap, (admin) => admin.listTopics({ listInternal: opts.includeInternal === true }));
      if (out.json) return out.document({ topics });
      out.table(
        ['TOPIC', 'PARTITIONS', 'ID'],
        topics.map((t) => [t.isInternal ? `${t.topic} ${out.c.dim('(internal)')}` : t.topic, t.partitions, t.topicId]),
        '(no topics; create one with `samsa topics create <name>`)',
      );
    });
}

function createCommand(): Command {
  return clientCommand('create', 'create a topic', [
    'samsa topics create events',
    'samsa topics create events --partitions 6 --replication-factor 3 --config retention.ms=86400000',
    'samsa topics create events --if-not-exists --json',
  ])
    .argument('<topic>', 'the topic name')
    .option('--partitions <n>', "partitions (default: the broker's num.partitions)", intArg(1, 2 ** 31 - 1, '6'))
    .option('--replication-factor <n>', "replicas of each partition (default: the broker's default.replication.factor)", intArg(1, 32767, '3'))
    .option('--config <name=value>', 'a topic setting (repeatable), e.g. --config cleanup.policy=compact', pairArg('--config', 'retention.ms=86400000'), [])
    .option('--if-not-exists', 'succeed when the topic already exists')
    .action(async (topic: string, opts: CreateOptions) => {
      const { bootstrap, out } = setup(opts);
      const [r] = await withAdmin(bootstrap, (admin) =>
        admin.createTopics([{ topic, numPartitions: opts.partitions, replicationFactor: opts.replicationFactor, configs: Object.fromEntries(opts.config) }]),
      );
      const existed = r!.error?.type === 'TOPIC_ALREADY_EXISTS' && opts.ifNotExists === true;
      if (!existed) failOnItemErrors('topic', [{ name: topic, error: r!.error }]);
      if (out.json) return out.document({ topic, created: !existed, topicId: r!.topicId, partitions: r!.numPartitions, replicationFactor: r!.replicationFactor });
      out.line(existed ? `Topic ${topic} already exists.` : `Created topic ${out.c.bold(topic)} (${r!.numPartitions} partitions, replication factor ${r!.replicationFactor}).`);
    });
}

function alterCommand(): Command {
  return clientCommand('alter', "change a topic's settings or raise its partition count", [
    'samsa topics alter events --config retention.ms=3600000 --config cleanup.policy=compact',
    'samsa topics alter events --delete-config retention.ms     (back to the broker default)',
    'samsa topics alter events --partitions 12',
  ])
    .argument('<topic>', 'the topic name')
    .option('--config <name=value>', 'set a topic setting (repeatable)', pairArg('--config', 'retention.ms=3600000'), [])
    .option('--delete-config <name>', 'remove a topic setting, so the broker default applies (repeatable)', collect, [])
    .option('--partitions <n>', 'raise the partition count to n (it cannot shrink)', intArg(1, 2 ** 31 - 1, '12'))
    .action(async (topic: string, opts: AlterOptions) => {
      const { bootstrap, out } = setup(opts);
      if (opts.config.length === 0 && opts.deleteConfig.length === 0 && opts.partitions === undefined) {
        throw new UsageError('nothing to change: give --config name=value, --delete-config name or --partitions n');
      }
      await withAdmin(bootstrap, async (admin) => {
        // A typo'd topic must not be reported as a settings error.
        const [d] = await admin.describeTopics([topic]);
        failOnItemErrors('topic', [{ name: topic, error: d!.error }]);
        if (opts.config.length > 0 || opts.deleteConfig.length > 0) {
          const ops = [...opts.config.map(([name, value]) => ({ name, op: 'set' as const, value })), ...opts.deleteConfig.map((name) => ({ name, op: 'delete' as const }))];
          const [r] = await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops }]);
          failOnItemErrors('topic', [{ name: topic, error: r!.error }]);
        }
        if (opts.partitions !== undefined && opts.partitions !== d!.partitions.length) {
          const [r] = await admin.createPartitions({ [topic]: opts.partitions });
          failOnItemErrors('topic', [{ name: topic, error: r!.error }]);
        }
      });
      const changed = { set: Object.fromEntries(opts.config), deleted: opts.deleteConfig, partitions: opts.partitions ?? null };
      if (out.json) return out.document({ topic, ...changed });
      for (const [k, v] of opts.config) out.line(`${topic}: set ${k}=${v}`);
      for (const k of opts.deleteConfig) out.line(`${topic}: deleted ${k} (the broker default applies)`);
      if (opts.partitions !== undefined) out.line(`${topic}: ${opts.partitions} partitions`);
    });
}

function deleteCommand(): Command {
  return clientCommand('delete', 'delete topics and all their records', ['samsa topics delete events', 'samsa topics delete old-1 old-2 --json'])
    .argument('<topic...>', 'the topics to delete')
    .action(async (topics: string[], opts: ClientOptions) => {
      const { bootstrap, out } = setup(opts);
      const results = await withAdmin(bootstrap, (admin) => admin.deleteTopics(topics));
      const deleted = results.filter((r) => r.error === null).map((r) => r.topic);
      if (out.json) out.document({ deleted, failed: results.filter((r) => r.error).map((r) => ({ topic: r.topic, error: r.error!.type, message: r.error!.message })) });
      else for (const t of deleted) out.line(`Deleted topic ${t}.`);
      failOnItemErrors('topic', results.map((r) => ({ name: r.topic, error: r.error })));
    });
}
