/**
 * `samsa groups reset-offsets`: kafka-consumer-groups.sh --reset-offsets. A dry run unless
 * --execute, as Kafka's tool (which also wants --dry-run spelled out; we default to it, as the
 * safe choice). The group must have no active members.
 */
import { KafkaProtocolError, SamsaClientError, type ResetTarget } from '@samsa/client';
import type { Command } from 'commander';
import { withAdmin } from '../bootstrap.js';
import { FailedError, itemErrorLine, UsageError } from '../errors.js';
import { clientCommand, intArg, setup, timeArg, type ClientOptions } from '../options.js';

interface ResetOptions extends ClientOptions {
  topic?: string;
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: number;
  toDatetime?: number;
  shiftBy?: number;
  execute?: boolean;
}

/** --topic events or --topic events:0,2 (Kafka's form). */
export function parseTopicPartitions(value: string): { topic: string; partitions?: number[] } {
  const m = /^([^:]+)(?::(\d+(?:,\d+)*))?$/.exec(value);
  if (!m) throw new UsageError(`--topic ${JSON.stringify(value)} must be a topic, or topic:partition[,partition...], e.g. --topic events:0,1`);
  return m[2] === undefined ? { topic: m[1]! } : { topic: m[1]!, partitions: m[2].split(',').map(Number) };
}

function targetOf(o: ResetOptions): ResetTarget {
  const targets: ResetTarget[] = [];
  if (o.toEarliest) targets.push('earliest');
  if (o.toLatest) targets.push('latest');
  if (o.toOffset !== undefined) targets.push({ offset: o.toOffset });
  if (o.toDatetime !== undefined) targets.push({ timestamp: o.toDatetime });
  if (o.shiftBy !== undefined) targets.push({ shiftBy: o.shiftBy });
  if (targets.length !== 1) throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime TIME, --shift-by N');
  return targets[0]!;
}

export function resetOffsetsCommand(): Command {
  return clientCommand('reset-offsets', "move an inactive group's committed offsets (a dry run unless --execute)", [
    'samsa groups reset-offsets billing --topic events --to-earliest            (shows the plan)',
    'samsa groups reset-offsets billing --topic events --to-earliest --execute  (applies it)',
    'samsa groups reset-offsets billing --topic events:0,1 --shift-by -100 --execute',
    'samsa groups reset-offsets billing --all-topics --to-datetime 2024-05-01T00:00:00Z --execute',
  ])
    .argument('<group>', 'the group id')
    .option('--topic <topic[:partitions]>', 'the topic to reset, optionally only some partitions (events:0,1)')
    .option('--all-topics', 'every topic the group has committed offsets for')
    .option('--to-earliest', 'to the log start')
    .option('--to-latest', 'to the log end (skip everything not yet consumed)')
    .option('--to-offset <n>', 'to offset n (clamped into [log start, log end])', intArg(0, Number.MAX_SAFE_INTEGER, '1000'))
    .option('--to-datetime <time>', 'to the first record at or after the time (ms since the epoch, or ISO-8601)', timeArg)
    .option('--shift-by <n>', 'move each committed offset by n (negative: back)', intArg(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, '-100'))
    .option('--execute', 'apply the new offsets (without it, only show them)')
    .action(async (groupId: string, opts: ResetOptions) => {
      const { bootstrap, out } = setup(opts);
      if ((opts.topic === undefined) === (opts.allTopics !== true)) throw new UsageError('give either --topic <topic> or --all-topics');
      const to = targetOf(opts);
      const scope: { topic?: string; partitions?: number[] } = opts.topic === undefined ? {} : parseTopicPartitions(opts.topic);
      const dryRun = opts.execute !== true;
      const offsets = await withAdmin(bootstrap, async (admin) => {
        try {
          return await admin.resetConsumerGroupOffsets(groupId, { ...scope, to }, { dryRun });
        } catch (e) {
          if (e instanceof KafkaProtocolError && e.type === 'UNKNOWN_TOPIC_OR_PARTITION') throw new FailedError(scope.topic ? itemErrorLine('topic', scope.topic, e) : e.message);
          if (e instanceof SamsaClientError && (e.code === 'GROUP_NOT_EMPTY' || e.code === 'INVALID_ARGUMENT')) throw new FailedError(e.message);
          throw e;
        }
      });
      const failed = offsets.filter((o) => o.error !== null);
      if (out.json) out.document({ group: groupId, dryRun, offsets: offsets.map((o) => ({ ...o, error: o.error?.type ?? null })) });
      else {
        out.table(
          ['GROUP', 'TOPIC', 'PARTITION', 'PREVIOUS-OFFSET', 'NEW-OFFSET'],
          offsets.map((o) => [groupId, o.topic, o.partition, o.previousOffset, o.error ? out.c.red(`${o.offset} (${o.error.type})`) : o.offset]),
          '(no partitions to reset: the group has no committed offsets there)',
        );
      }
      out.note(dryRun ? 'Dry run: nothing was changed. Add --execute to apply these offsets.' : `Reset ${offsets.length - failed.length} partition(s).`);
      if (failed.length > 0) throw new FailedError(`${failed.length} partition(s) were not reset: ${failed.map((o) => `${o.topic}-${o.partition} ${o.error!.type}`).join(', ')}`);
    });
}
