/**
 * `samsa consume <topic>`: kafka-console-consumer.sh and `kcat -C`. Without --group it
 * assigns the partitions itself and starts at the end (or where told); with --group it joins
 * the group, starts at the group's committed offsets (else the end, or the beginning with
 * --from-beginning) and commits what it has printed, after printing it. Stops at --count,
 * after --idle-timeout-ms without a record, or on Ctrl-C / SIGTERM, leaving the group cleanly.
 */
import { Admin, Consumer, type ConsumerConfig, type ConsumerRecord, type TopicPartition } from '@samsa/client';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { clientCommand, intArg, setup, timeArg, type ClientOptions } from '../options.js';
import { compileFormat, DEFAULT_FORMAT, recordJson } from '../record-format.js';
import { requireTopic } from '../topic-check.js';

interface ConsumeOptions extends ClientOptions {
  fromBeginning?: boolean;
  offset?: number;
  partition?: number;
  fromTimestamp?: number;
  group?: string;
  format?: string;
  count?: number;
  idleTimeoutMs?: number;
}

/** A poll waits at most this long, so Ctrl-C, --count and --idle-timeout-ms are noticed promptly. */
const POLL_MS = 200;

export function consumeCommand(): Command {
  return clientCommand('consume', 'print records of a topic', [
    'samsa consume events --from-beginning',
    "samsa consume events --from-beginning --format '%p:%o %k=%v %h' --count 10",
    'samsa consume events --partition 0 --offset 42 --json',
    'samsa consume events --from-timestamp 2024-05-01T12:00:00Z --idle-timeout-ms 5000',
    'samsa consume events --group billing        (commits what it prints)',
  ])
    .argument('<topic>', 'the topic to read')
    .option('--from-beginning', 'start at the log start (with --group: where the group has no committed offset)')
    .option('--offset <n>', 'start at this offset of --partition', intArg(0, Number.MAX_SAFE_INTEGER, '42'))
    .option('--partition <n>', 'read only this partition', intArg(0, 2 ** 31 - 1, '0'))
    .option('--from-timestamp <time>', 'start at the first record at or after this time (ms since the epoch, or ISO-8601)', timeArg)
    .option('--group <id>', 'consume as a member of this consumer group, committing offsets')
    .option('--format <format>', 'how to print each record: %t topic, %p partition, %o offset, %T timestamp, %k key, %v value, %h headers, %K/%S key/value bytes', DEFAULT_FORMAT)
    .option('--count <n>', 'stop after n records', intArg(1, Number.MAX_SAFE_INTEGER, '10'))
    .option('--idle-timeout-ms <ms>', 'stop when no record arrives for this long', intArg(1, 2 ** 31 - 1, '5000'))
    .addHelpText('after', '\nWith --json each record is one JSON object per line (key, value and header values as UTF-8 text).')
    .action((topic: string, opts: ConsumeOptions) => consume(topic, opts));
}

function checkFlags(o: ConsumeOptions): void {
  const starts = [o.fromBeginning === true, o.offset !== undefined, o.fromTimestamp !== undefined].filter(Boolean).length;
  if (starts > 1) throw new UsageError('give at most one of --from-beginning, --offset and --from-timestamp');
  if (o.offset !== undefined && o.partition === undefined) throw new UsageError('--offset needs --partition, e.g. --partition 0 --offset 42');
  if (o.group !== undefined && (o.offset !== undefined || o.fromTimestamp !== undefined || o.partition !== undefined)) {
    throw new UsageError('--group starts at the group\'s committed offsets: move them with `samsa groups reset-offsets` instead of --offset, --from-timestamp or --partition');
  }
  if (o.group === '') throw new UsageError('--group must not be empty');
}

/** Positions an assigned (group-less) consumer: the end unless told otherwise. */
async function position(consumer: Consumer, bootstrap: string, tps: TopicPartition[], o: ConsumeOptions): Promise<void> {
  if (o.fromBeginning) return consumer.seekToBeginning(tps);
  if (o.offset !== undefined) return consumer.seek(tps[0]!, o.offset);
  if (o.fromTimestamp === undefined) return consumer.seekToEnd(tps);
  const admin = new Admin({ 'bootstrap.servers': bootstrap, 'client.id': 'samsa-cli' });
  try {
    const listed = await admin.listOffsets(tps.map((tp) => ({ ...tp, spec: { timestamp: o.fromTimestamp! } })));
    for (const l of listed) {
      if (l.error) throw l.error;
      // No record at or after the time: start at the end, as Kafka's console consumer does.
      if (l.offset < 0) consumer.seekToEnd([l]);
      else consumer.seek(l, l.offset);
    }
  } finally {
    await admin.close();
  }
}

async function consume(topic: string, o: ConsumeOptions): Promise<void> {
  const { bootstrap, out } = setup(o);
  checkFlags(o);
  const format = out.json ? recordJson : compileFormat(o.format ?? DEFAULT_FORMAT);
  const partitions = await requireTopic(bootstrap, topic, o.partition);
  const config: ConsumerConfig = { 'bootstrap.servers': bootstrap, 'client.id': 'samsa-cli', 'enable.auto.commit': false, 'auto.offset.reset': o.fromBeginning ? 'earliest' : 'latest' };
  if (o.group !== undefined) config['group.id'] = o.group;
  const consumer = new Consumer(config);
  let stopping = false;
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // `samsa consume t | head` closes the pipe: stop as after Ctrl-C (main.ts ignores the EPIPE itself).
  const onStdoutError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') stopping = true;
  };
  process.stdout.on('error', onStdoutError);
  let printed = 0;
  try {
    if (o.group !== undefined) consumer.subscribe([topic]);
    else {
      const tps = o.partition !== undefined ? [{ topic, partition: o.partition }] : Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
      consumer.assign(tps);
      await position(consumer, bootstrap, tps, o);
    }
    let lastRecordMs = Date.now();
    while (!stopping) {
      const records = await consumer.poll(POLL_MS);
      if (records.length === 0) {
        if (o.idleTimeoutMs !== undefined && Date.now() - lastRecordMs >= o.idleTimeoutMs) break;
        continue;
      }
      lastRecordMs = Date.now();
      const take = o.count === undefined ? records : records.slice(0, o.count - printed);
      process.stdout.write(take.map((r) => format(r) + '\n').join(''));
      printed += take.length;
      if (o.group !== undefined) await consumer.commitSync(nextOffsets(take));
      if (o.count !== undefined && printed >= o.count) break;
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await consumer.close();
    process.stdout.removeListener('error', onStdoutError);
  }
  out.note(`Processed a total of ${printed} record(s).`);
}

/** What to commit after printing `records`: per partition, the offset after the last one printed. */
function nextOffsets(records: readonly ConsumerRecord[]): Array<TopicPartition & { offset: number }> {
  const next = new Map<string, TopicPartition & { offset: number }>();
  for (const r of records) next.set(`${r.topic}\u0000${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  return [...next.values()];
}
