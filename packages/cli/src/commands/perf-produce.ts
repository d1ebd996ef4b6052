/**
 * `samsa perf produce`: kafka-producer-perf-test.sh. Sends --record-size byte values (null
 * keys, one payload reused, as Kafka's tool does without --payload-file) for --num-records or
 * --duration, at most --throughput records/s; each record's latency runs from send() to its
 * acknowledgement. Throughput counts from the first send to the last acknowledgement.
 * --producers N runs N producers at once, each in a worker thread with its own connections
 * (what users of Kafka's tool do with N processes); records and throughput are split among
 * them, and the figures are of them all together (histograms merged).
 */
import type { Command } from 'commander';
import { FailedError, UsageError } from '../errors.js';
import { clientCommand, intArg, setup, type ClientOptions } from '../options.js';
import { produceLoop, type ProduceLoopOptions, type ProduceLoopResult } from '../perf/produce-loop.js';
import { runProduceWorkers } from '../perf/produce-workers.js';
import { latencyLine, ProgressLine, throughput, MB } from '../perf/stats.js';
import { addProducerFlags, producerConfig, type ProducerFlags } from '../producer-flags.js';
import { requireTopic } from '../topic-check.js';
import { durationArg } from './perf.js';

interface PerfProduceOptions extends ClientOptions, ProducerFlags {
  topic: string;
  recordSize: number;
  numRecords?: number;
  duration?: number;
  throughput: number;
  producers: number;
}

/** What the command reports, whichever way the producers ran: one loop's result, or the workers' merged. */
export type ProduceTotals = ProduceLoopResult;

export function perfProduceCommand(): Command {
  const cmd = clientCommand('produce', 'measure producer throughput and latency (kafka-producer-perf-test)', [
    'samsa perf produce --topic perf --num-records 1000000 --record-size 100',
    'samsa perf produce --topic perf --duration 30s --record-size 1024 --throughput 10000 --acks 1',
    'samsa perf produce --topic perf --num-records 500000 --batch-size 65536 --linger-ms 10 --compression lz4 --json',
    'samsa perf produce --topic perf --duration 10s --record-size 100 --producers 2 --acks 1',
  ])
    .requiredOption('--topic <topic>', 'the topic to write to (it must exist)')
    .option('--record-size <bytes>', 'bytes per record value', intArg(0, 100 * 2 ** 20, '100'), 100)
    .option('--num-records <n>', 'records to send', intArg(1, Number.MAX_SAFE_INTEGER, '1000000'))
    .option('--duration <time>', 'send for this long instead (30s, 500ms, 2m)', durationArg)
    .option('--throughput <records/s>', 'at most this many records per second; -1 for no limit', intArg(-1, Number.MAX_SAFE_INTEGER, '10000'), -1)
    .option('--producers <n>', 'producers sending at once, each in its own thread with its own connections; --num-records and --throughput are split among them', intArg(1, 64, '2'), 1);
  return addProducerFlags(cmd).action((opts: PerfProduceOptions) => perfProduce(opts));
}

async function perfProduce(opts: PerfProduceOptions): Promise<void> {
  const { bootstrap, out } = setup(opts);
  if ((opts.numRecords === undefined) === (opts.duration === undefined)) throw new UsageError('give either --num-records N or --duration TIME');
  if (opts.throughput === 0) throw new UsageError('--throughput must be positive, or -1 for no limit');
  if (opts.numRecords !== undefined && opts.numRecords < opts.producers) throw new UsageError(`--num-records ${opts.numRecords} is fewer than --producers ${opts.producers}: each producer needs a record`);
  await requireTopic(bootstrap, opts.topic);
  const options: ProduceLoopOptions = {
    config: producerConfig(bootstrap, opts),
    topic: opts.topic,
    recordSize: opts.recordSize,
    numRecords: opts.numRecords ?? Infinity,
    durationMs: opts.duration ?? Infinity,
    throughput: opts.throughput,
  };
  let acked = 0;
  let failed = 0;
  let stopping = false;
  const t0 = performance.now();
  const progress = new ProgressLine(() => {
    const s = (performance.now() - t0) / 1000;
    return `${acked} records acknowledged, ${Math.round(acked / s)} records/s (${((acked * opts.recordSize) / MB / s).toFixed(2)} MB/s), ${failed} failed`;
  });
  const onProgress = (a: number, f: number): void => {
    acked = a;
    failed = f;
  };
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  let totals: ProduceTotals;
  try {
    totals =
      opts.producers === 1
        ? await produceLoop(options, onProgress, () => stopping)
        : await runProduceWorkers(options, opts.producers, onProgress, (listener) => process.once('SIGINT', listener));
  } finally {
    process.removeListener('SIGINT', stop);
    progress.stop();
  }
  const seconds = Math.max(0, totals.lastAckMs - totals.startMs) / 1000;
  const t = throughput(totals.acked, totals.acked * opts.recordSize, seconds);
  const l = totals.latency.summary();
  const settings = { topic: opts.topic, recordSize: opts.recordSize, acks: opts.acks, compression: opts.compression, batchSize: opts.batchSize ?? 16384, lingerMs: opts.lingerMs ?? 5, throughput: opts.throughput, producers: opts.producers };
  if (out.json) out.document({ ...t, sent: totals.sent, failed: totals.failed, firstError: totals.firstError, latencyMs: l, settings });
  else {
    out.line(`${t.records} records sent, ${t.recordsPerSec} records/sec (${t.MBps} MB/sec) in ${t.seconds} s${opts.producers > 1 ? ` by ${opts.producers} producers` : ''}`);
    out.line(latencyLine(l));
  }
  if (totals.failed > 0) throw new FailedError(`${totals.failed} record(s) failed; the first failure: ${totals.firstError}`);
}
