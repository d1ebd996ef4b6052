/**
 * `samsa partitions elect-leaders|reassign|reassignments`: thin commands over the Admin
 * client's electLeaders, alterPartitionReassignments and listPartitionReassignments, as
 * kafka-leader-election.sh and kafka-reassign-partitions.sh do them.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { withAdmin } from '../bootstrap.js';
import { FailedError, UsageError } from '../errors.js';
import { choiceArg, clientCommand, intArg, parentCommand, setup, type ClientOptions } from '../options.js';

export function partitionsCommand(): Command {
  return parentCommand('partitions', 'elect leaders and move partitions between brokers', [
    'samsa partitions elect-leaders',
    'samsa partitions elect-leaders --topic events --partition 0',
    'samsa partitions reassign events 0 --replicas 1,2',
    'samsa partitions reassignments',
  ])
    .addCommand(electCommand())
    .addCommand(reassignCommand())
    .addCommand(listCommand());
}

function replicasArg(value: string): number[] {
  const ids = value.split(',').map((s) => s.trim());
  if (ids.length === 0 || ids.some((s) => !/^\d+$/.test(s))) throw new InvalidArgumentError('it must be broker ids separated by commas, e.g. --replicas 1,2,3');
  return ids.map(Number);
}

interface ElectOptions extends ClientOptions {
  type: 'preferred' | 'unclean';
  topic?: string;
  partition?: number;
}

function electCommand(): Command {
  return clientCommand('elect-leaders', 'put each partition\'s first replica back in charge (preferred), or lead leaderless partitions (unclean)', [
    'samsa partitions elect-leaders                                  (every partition, preferred)',
    'samsa partitions elect-leaders --topic events --partition 3',
    'samsa partitions elect-leaders --type unclean --topic events    (may lose acknowledged records)',
  ])
    .option('--type <type>', 'preferred or unclean', choiceArg(['preferred', 'unclean'] as const), 'preferred')
    .option('--topic <topic>', 'only this topic (every partition of it unless --partition)')
    .option('--partition <n>', 'only this partition of --topic', intArg(0, 2 ** 31 - 1, '0'))
    .action(async (opts: ElectOptions) => {
      const { bootstrap, out } = setup(opts);
      const results = await withAdmin(bootstrap, async (admin) => {
        if (!opts.topic) return admin.electLeaders(opts.type, null);
        if (opts.partition !== undefined) return admin.electLeaders(opts.type, [{ topic: opts.topic, partition: opts.partition }]);
        const [d] = await admin.describeTopics([opts.topic]);
        if (d!.error) return [{ topic: opts.topic, partition: 0, error: d!.error }];
        return admin.electLeaders(opts.type, d!.partitions.map((p) => ({ topic: opts.topic!, partition: p.partition })));
      });
      // As kafka-leader-election.sh: a partition already led by its preferred replica is not a failure.
      const failed = results.filter((r) => r.error && r.error.type !== 'ELECTION_NOT_NEEDED');
      const rows = results.map((r) => ({ topic: r.topic, partition: r.partition, result: r.error ? r.error.type : 'ELECTED', message: r.error?.message ?? null }));
      if (out.json) out.document({ partitions: rows });
      else out.table(['TOPIC', 'PARTITION', 'RESULT'], rows.map((r) => [r.topic, r.partition, r.result]), '(no partitions)');
      if (failed.length > 0) throw new FailedError(failed.map((r) => `${r.topic}-${r.partition}: ${r.error!.message}`).join('\nsamsa: '));
    });
}

function reassignCommand(): Command {
  return clientCommand('reassign', 'move a partition to other brokers (the first replica is the preferred leader), or cancel the move', [
    'samsa partitions reassign events 0 --replicas 1,2',
    'samsa partitions reassign events 0 --cancel',
  ])
    .argument('<topic>', 'the topic')
    .argument('<partition>', 'the partition index', intArg(0, 2 ** 31 - 1, '0'))
    .option('--replicas <ids>', 'the new replicas, e.g. 1,2,3', replicasArg)
    .option('--cancel', 'cancel the reassignment in progress')
    .action(async (topic: string, partition: number, opts: ClientOptions & { replicas?: number[]; cancel?: boolean }) => {
      const { bootstrap, out } = setup(opts);
      if ((opts.replicas === undefined) === (opts.cancel !== true)) throw new UsageError('give either --replicas ids (e.g. --replicas 1,2) or --cancel');
      const replicas = opts.cancel ? null : opts.replicas!;
      const [r] = await withAdmin(bootstrap, (admin) => admin.alterPartitionReassignments([{ topic, partition, replicas }]));
      if (r!.error) throw new FailedError(`${topic}-${partition}: the broker refused: ${r!.error.message}`);
      if (out.json) return out.document({ topic, partition, replicas, cancelled: replicas === null });
      out.line(replicas === null ? `Cancelled the reassignment of ${topic}-${partition}.` : `Reassigning ${topic}-${partition} to [${replicas.join(',')}]; \`samsa partitions reassignments\` shows the progress.`);
    });
}

function listCommand(): Command {
  return clientCommand('reassignments', 'list the reassignments in progress', ['samsa partitions reassignments', 'samsa partitions reassignments --json']).action(async (opts: ClientOptions) => {
    const { bootstrap, out } = setup(opts);
    const ongoing = await withAdmin(bootstrap, (admin) => admin.listPartitionReassignments());
    if (out.json) return out.document({ reassignments: ongoing });
    out.table(
      ['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING'],
      ongoing.map((o) => [o.topic, o.partition, o.replicas.join(','), o.addingReplicas.join(',') || '-', o.removingReplicas.join(',') || '-']),
      '(no reassignments in progress)',
    );
  });
}
