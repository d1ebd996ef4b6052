/**
 * `samsa perf consume`: kafka-consumer-perf-test.sh. Reads --topic from the beginning (all
 * partitions assigned, or as --group) until --num-records or --duration, or until nothing
 * arrives for --timeout-ms. Latency here is each record's age when poll() hands it out (now
 * minus its CreateTime): end-to-end latency when a producer runs at the same time, and simply
 * how old the data is otherwise.
 */
import { Consumer, type ConsumerConfig } from '@samsa/client';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { clientCommand, intArg, setup, type ClientOptions } from '../options.js';
import { LatencyHistogram, latencyLine, MB, ProgressLine, throughput } from '../perf/stats.js';
import { requireTopic } from '../topic-check.js';
import { durationArg } from './perf.js';

interface PerfConsumeOptions extends ClientOptions {
  topic: string;
  numRecords?: number;
  duration?: number;
  group?: string;
  timeoutMs: number;
  fetchMaxBytes?: number;
  maxPartitionFetchBytes?: number;
}

const POLL_MS = 200;

export function perfConsumeCommand(): Command {
  return clientCommand('consume', 'measure consumer throughput (kafka-consumer-perf-test)', [
    'samsa perf consume --topic perf --num-records 1000000',
    'samsa perf consume --topic perf --duration 30s --group perf-readers --json',
  ])
    .requiredOption('--topic <topic>', 'the topic to read (from the beginning)')
    .option('--num-records <n>', 'records to read', intArg(1, Number.MAX_SAFE_INTEGER, '1000000'))
    .option('--duration <time>', 'read for this long instead (30s, 500ms, 2m)', durationArg)
    .option('--group <id>', 'read as a member of this group (default: partitions assigned directly, no group)')
    .option('--timeout-ms <ms>', 'stop when no record arrives for this long', intArg(1, 2 ** 31 - 1, '10000'), 10_000)
    .option('--fetch-max-bytes <bytes>', 'fetch.max.bytes (default 52428800)', intArg(1, 2 ** 31 - 1, '52428800'))
    .option('--max-partition-fetch-bytes <bytes>', 'max.partition.fetch.bytes (default 1048576)', intArg(1, 2 ** 31 - 1, '8388608'))
    .action((opts: PerfConsumeOptions) => perfConsume(opts));
}

async function perfConsume(o: PerfConsumeOptions): Promise<void> {
  const { bootstrap, out } = setup(o);
  if ((o.numRecords === undefined) === (o.duration === undefined)) throw new UsageError('give either --num-records N or --duration TIME');
  const partitions = await requireTopic(bootstrap, o.topic);
  const config: ConsumerConfig = { 'bootstrap.servers': bootstrap, 'client.id': 'samsa-perf', 'auto.offset.reset': 'earliest', 'enable.auto.commit': false };
  if (o.group !== undefined) config['group.id'] = o.group;
  if (o.fetchMaxBytes !== undefined) config['fetch.max.bytes'] = o.fetchMaxBytes;
  if (o.maxPartitionFetchBytes !== undefined) config['max.partition.fetch.bytes'] = o.maxPartitionFetchBytes;
  const consumer = new Consumer(config);
  const latency = await LatencyHistogram.create();
  let records = 0;
  let bytes = 0;
  let firstMs = 0;
  let lastMs = 0;
  let stopping = false;
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  const progress = new ProgressLine(() => {
    const s = Math.max(1e-3, (performance.now() - firstMs) / 1000);
    return `${records} records read, ${Math.round(records / s)} records/s (${(bytes / MB / s).toFixed(2)} MB/s)`;
  });
  const t0 = performance.now();
  try {
    if (o.group !== undefined) consumer.subscribe([o.topic]);
    else {
      const tps = Array.from({ length: partitions }, (_, partition) => ({ topic: o.topic, partition }));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
    }
    const limit = o.numRecords ?? Infinity;
    let idleSince = performance.now();
    while (!stopping && records < limit) {
      const now = performance.now();
      // The duration runs from the first record, as Kafka's tool times from its first fetch.
      if (o.duration !== undefined && firstMs > 0 && now - firstMs >= o.duration) break;
      if (now - idleSince >= o.timeoutMs) break;
      const batch = await consumer.poll(POLL_MS);
      if (batch.length === 0) continue;
      const at = performance.now();
      const wall = Date.now();
      if (firstMs === 0) firstMs = at;
      idleSince = at;
      lastMs = at;
      for (const r of batch) {
        records++;
        bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
        latency.recordMs(Math.max(0, wall - r.timestamp));
      }
    }
  } finally {
    process.removeListener('SIGINT', stop);
    progress.stop();
    await consumer.close();
  }
  const t = throughput(records, bytes, firstMs === 0 ? 0 : (lastMs - firstMs) / 1000);
  const l = latency.summary();
  const startupMs = firstMs === 0 ? null : Math.round(firstMs - t0);
  if (out.json) out.document({ ...t, bytes, MB: Math.round((bytes / MB) * 100) / 100, startupMs, recordAgeMs: l, settings: { topic: o.topic, group: o.group ?? null } });
  else {
    out.line(`${t.records} records read (${(bytes / MB).toFixed(2)} MB), ${t.recordsPerSec} records/sec (${t.MBps} MB/sec) in ${t.seconds} s, first record after ${startupMs ?? '-'} ms`);
    out.line(`record age at receipt, ${latencyLine(l)}`);
  }
  if (records === 0) out.note(`no records arrived within --timeout-ms ${o.timeoutMs}; is the topic empty?`);
}
