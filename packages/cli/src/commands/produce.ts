/**
 * `samsa produce <topic>`: one record per line of stdin (or --file), like
 * kafka-console-producer.sh and `kcat -P`; a summary per partition at the end. Exits 1 when
 * any record was not delivered.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Producer, type RecordMetadata, type SamsaClientError } from '@samsa/client';
import type { Command } from 'commander';
import { FailedError, UsageError } from '../errors.js';
import { clientCommand, intArg, pairArg, setup, type ClientOptions } from '../options.js';
import { addProducerFlags, producerConfig, type ProducerFlags } from '../producer-flags.js';
import { requireTopic } from '../topic-check.js';

interface ProduceOptions extends ClientOptions, ProducerFlags {
  file?: string;
  keySeparator?: string;
  header: Array<[string, string]>;
  partition?: number;
}

/** Lines read between waits for buffer space: the loop yields to I/O and never buffers unboundedly. */
const CHUNK_LINES = 1000;

interface PartitionSummary {
  partition: number;
  records: number;
  firstOffset: number;
  lastOffset: number;
}

export function produceCommand(): Command {
  const cmd = clientCommand('produce', 'send one record per line of stdin or a file', [
    "echo 'hello' | samsa produce events",
    "printf 'user-1:clicked\\nuser-2:paid\\n' | samsa produce events --key-separator :",
    'samsa produce events --file records.txt --header source=import --acks 1 --compression zstd',
    'samsa produce events --partition 0 --json < lines.txt',
  ])
    .argument('<topic>', 'the topic to write to')
    .option('--file <path>', 'read records from this file instead of stdin')
    .option('--key-separator <text>', 'each line is key<text>value; a line without it fails')
    .option('--header <name=value>', 'a header on every record (repeatable)', pairArg('--header', 'source=cli'), [])
    .option('--partition <n>', 'write every record to this partition (default: by key, sticky without one)', intArg(0, 2 ** 31 - 1, '0'));
  return addProducerFlags(cmd).action((topic: string, opts: ProduceOptions) => produce(topic, opts));
}

async function produce(topic: string, opts: ProduceOptions): Promise<void> {
  const { bootstrap, out } = setup(opts);
  if (opts.keySeparator === '') throw new UsageError('--key-separator must not be empty, e.g. --key-separator :');
  await requireTopic(bootstrap, topic, opts.partition);
  const input = opts.file === undefined ? process.stdin : createReadStream(opts.file);
  const opened = new Promise<void>((resolve, reject) => {
    if (opts.file === undefined) return resolve();
    input.once('open', () => resolve());
    input.once('error', (e: NodeJS.ErrnoException) => reject(new UsageError(`cannot read --file ${opts.file}: ${e.code ?? e.message}`)));
  });
  await opened;

  const producer = new Producer(producerConfig(bootstrap, opts));
  const byPartition = new Map<number, PartitionSummary>();
  let sent = 0;
  let failed = 0;
  let firstError: string | null = null;
  const fail = (message: string): void => {
    failed++;
    firstError ??= message;
  };
  const delivered = (err: SamsaClientError | null, md: RecordMetadata | null): void => {
    if (err) return fail(`${err.code}: ${err.message}`);
    const s = byPartition.get(md!.partition) ?? { partition: md!.partition, records: 0, firstOffset: md!.offset, lastOffset: md!.offset };
    s.records++;
    s.firstOffset = Math.min(s.firstOffset, md!.offset);
    s.lastOffset = Math.max(s.lastOffset, md!.offset);
    byPartition.set(md!.partition, s);
  };
  const headers = opts.header.length > 0 ? opts.header : undefined;
  try {
    let lineNo = 0;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lineNo++;
      let key: string | null = null;
      let value = line;
      if (opts.keySeparator !== undefined) {
        const at = line.indexOf(opts.keySeparator);
        if (at < 0) {
          fail(`line ${lineNo} has no key separator ${JSON.stringify(opts.keySeparator)}`);
          continue;
        }
        key = line.slice(0, at);
        value = line.slice(at + opts.keySeparator.length);
      }
      producer.send({ topic, key, value, headers, partition: opts.partition }, delivered);
      sent++;
      if (sent % CHUNK_LINES === 0) await producer.waitForBuffer();
    }
    await producer.flush();
  } finally {
    await producer.close();
  }

  const partitions = [...byPartition.values()].sort((a, b) => a.partition - b.partition);
  const delivered_ = partitions.reduce((n, p) => n + p.records, 0);
  if (out.json) out.document({ topic, records: delivered_, failed, firstError, partitions });
  else {
    out.table(['PARTITION', 'RECORDS', 'FIRST-OFFSET', 'LAST-OFFSET'], partitions.map((p) => [p.partition, p.records, p.firstOffset < 0 ? '-' : p.firstOffset, p.lastOffset < 0 ? '-' : p.lastOffset]), '(no records)');
    out.line(`${delivered_} record(s) written to ${topic}${failed > 0 ? out.c.red(`, ${failed} failed`) : ''}.`);
  }
  if (failed > 0) throw new FailedError(`${failed} record(s) were not written; the first failure: ${firstError}`);
}
