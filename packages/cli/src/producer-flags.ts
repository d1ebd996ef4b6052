/**
 * Producer flags shared by `samsa produce` and `samsa perf produce`, named after the Kafka
 * settings they set (acks, compression.type, batch.size, linger.ms).
 */
import type { Command } from 'commander';
import type { ProducerConfig } from '@samsa/client';
import { choiceArg, intArg } from './options.js';

export const ACKS = ['all', '-1', '0', '1'] as const;
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export interface ProducerFlags {
  acks: (typeof ACKS)[number];
  compression: (typeof COMPRESSIONS)[number];
  batchSize?: number;
  lingerMs?: number;
}

export function addProducerFlags(cmd: Command): Command {
  return cmd
    .option('--acks <acks>', 'acks: all (-1) waits for every in-sync replica, 1 for the leader, 0 for nothing', choiceArg(ACKS), 'all')
    .option('--compression <codec>', `compression.type: ${COMPRESSIONS.join(', ')}`, choiceArg(COMPRESSIONS), 'none')
    .option('--batch-size <bytes>', 'batch.size (default 16384)', intArg(1, 2 ** 31 - 1, '65536'))
    .option('--linger-ms <ms>', 'linger.ms (default 5)', intArg(0, 2 ** 31 - 1, '5'));
}

export function producerConfig(bootstrap: string, f: ProducerFlags): ProducerConfig {
  const config: ProducerConfig = { 'bootstrap.servers': bootstrap, 'client.id': 'samsa-cli', acks: f.acks, 'compression.type': f.compression };
  if (f.batchSize !== undefined) config['batch.size'] = f.batchSize;
  if (f.lingerMs !== undefined) config['linger.ms'] = f.lingerMs;
  return config;
}
