/**
 * `samsa perf produce`: kafka-producer-perf-test.sh. Sends --record-size byte values (null
 * keys, one payload reused, as Kafka's tool does without --payload-file) for --num-records or
 * --duration, at most --throughput records/s; each record's latency runs from send() to its
 * acknowledgement. Throughput counts from the first send to the last acknowledgement.
 */
import { randomBytes } from 'node:crypto';
import { Producer, type RecordMetadata, type SamsaClientError } from '@samsa/client';
import type { Command } from 'commander';
import { FailedError, UsageError } from '../errors.js';
import { clientCommand, intArg, setup, type ClientOptions } from '../options.js';
import { LatencyHistogram, latencyLine, ProgressLine, throttle, throughput, MB } from '../perf/stats.js';
import { addProducerFlags, producerConfig, type ProducerFlags } from '../producer-flags.js';
import { requireTopic } from '../topic-check.js';
import { durationArg } from './perf.js';

interface PerfProduceOptions extends ClientOptions, ProducerFlags {
  topic: string;
  recordSize: number;
  numRecords?: number;
  duration?: number;
  throughput: number;
}

/** Records sent between waits for buffer space (and throttle checks). */
const CHUNK = 1000;

/** Uppercase letters, as Kafka's perf tool fills its payload. */
function payload(size: number): Buffer {
  const b = randomBytes(size);
  for (let i = 0; i < size; i++) b[i] = 65 + (b[i]! % 26);
  return b;
}

export function perfProduceCommand(): Command {
  const cmd = clientCommand('produce', 'measure producer throughput and latency (kafka-producer-perf-test)', [
    'samsa perf produce --topic perf --num-records 1000000 --record-size 100',
    'samsa perf produce --topic perf --duration 30s --record-size 1024 --throughput 10000 --acks 1',
    'samsa perf produce --topic perf --num-records 500000 --batch-size 65536 --linger-ms 10 --compression lz4 --json',
  ])
    .requiredOption('--topic <topic>', 'the topic to write to (it must exist)')
    .option('--record-size <bytes>', 'bytes per record value', intArg(0, 100 * 2 ** 20, '100'), 100)
    .option('--num-records <n>', 'records to send', intArg(1, Number.MAX_SAFE_INTEGER, '1000000'))
    .option('--duration <time>', 'send for this long instead (30s, 500ms, 2m)', durationArg)
    .option('--throughput <records/s>', 'at most this many records per second; -1 for no limit', intArg(-1, Number.MAX_SAFE_INTEGER, '10000'), -1);
  return addProducerFlags(cmd).action((opts: PerfProduceOptions) => perfProduce(opts));
}

async function perfProduce(opts: PerfProduceOptions): Promise<void> {
  const { bootstrap, out } = setup(opts);
  if ((opts.numRecords === undefined) === (opts.duration === undefined)) throw new UsageError('give either --num-records N or --duration TIME');
  if (opts.throughput === 0) throw new UsageError('--throughput must be positive, or -1 for no limit');
  await requireTopic(bootstrap, opts.topic);
  const producer = new Producer(producerConfig(bootstrap, opts));
  const value = payload(opts.recordSize);
  const latency = await LatencyHistogram.create();
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let firstError: string | null = null;
  let lastAckMs = 0;
  const t0 = performance.now();
  const progress = new ProgressLine(() => {
    const s = (performance.now() - t0) / 1000;
    return `${acked} records acknowledged, ${Math.round(acked / s)} records/s (${((acked * opts.recordSize) / MB / s).toFixed(2)} MB/s), ${failed} failed`;
  });
  const stop = (): void => {
    stopping = true;
  };
  let stopping = false;
  process.once('SIGINT', stop);
  try {
    const limit = opts.numRecords ?? Infinity;
    const endMs = opts.duration === undefined ? Infinity : t0 + opts.duration;
    const chunk = opts.throughput > 0 ? Math.max(1, Math.min(CHUNK, Math.floor(opts.throughput / 100))) : CHUNK;
    while (sent < limit && !stopping && performance.now() < endMs) {
      const n = Math.min(chunk, limit - sent);
      // One callback per chunk, not per record: a closure per record cost a third of the
      // throughput. The chunk's records are handed over within about a millisecond, so
      // their latency is taken from the chunk's send time.
      const sentAt = performance.now();
      const onDelivery = (err: SamsaClientError | null, _md: RecordMetadata | null): void => {
        lastAckMs = performance.now();
        if (err) {
          failed++;
          firstError ??= `${err.code}: ${err.message}`;
        } else {
          acked++;
          latency.recordMs(lastAckMs - sentAt);
        }
      };
      for (let i = 0; i < n; i++) producer.send({ topic: opts.topic, value }, onDelivery);
      sent += n;
      await producer.waitForBuffer();
      await throttle(opts.throughput, sent, t0);
    }
    await producer.flush();
  } finally {
    process.removeListener('SIGINT', stop);
    progress.stop();
    await producer.close();
  }
  const seconds = (Math.max(lastAckMs, t0) - t0) / 1000;
  const t = throughput(acked, acked * opts.recordSize, seconds);
  const l = latency.summary();
  const settings = { topic: opts.topic, recordSize: opts.recordSize, acks: opts.acks, compression: opts.compression, batchSize: opts.batchSize ?? 16384, lingerMs: opts.lingerMs ?? 5, throughput: opts.throughput };
  if (out.json) out.document({ ...t, sent, failed, firstError, latencyMs: l, settings });
  else {
    out.line(`${t.records} records sent, ${t.recordsPerSec} records/sec (${t.MBps} MB/sec) in ${t.seconds} s`);
    out.line(latencyLine(l));
  }
  if (failed > 0) throw new FailedError(`${failed} record(s) failed; the first failure: ${firstError}`);
}
