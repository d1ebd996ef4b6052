/**
 * `samsa start`: one broker, in the foreground, until Ctrl-C or SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { pino } from 'pino';
import { Broker, buildBrokerConfig, parseProperties } from '@samsa/broker';
import { UsageError } from '../errors.js';

interface StartOptions {
  config?: string;
  override: string[];
  brokerId?: string;
  listen?: string;
  data?: string;
  metadata?: string;
  logLevel: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function startCommand(): Command {
  return new Command('start')
    .description('run a broker in the foreground (Ctrl-C or SIGTERM stops it cleanly, moving its leaderships first)')
    .option('-c, --config <file>', 'broker settings in server.properties format')
    .option('-o, --override <name=value>', 'set one broker setting (repeatable), e.g. -o num.partitions=3', collect, [])
    .option('--broker-id <n>', 'this broker\'s id (node.id)')
    .option('--listen <host:port>', 'address to listen on (listeners=PLAINTEXT://host:port)')
    .option('--data <dir>', 'directory for the logs and metadata (log.dir)')
    .option('--metadata <store>', 'embedded (default) or etcd://host:port[,host:port...][/prefix] (metadata.store.connect)')
    .option('--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`, 'info')
    .addHelpText(
      'after',
      `
Examples:
  samsa start                                   broker 0 on 127.0.0.1:9092, data in ./data
  samsa start --listen 127.0.0.1:19092 --data /tmp/samsa
  samsa start -c server.properties -o log.retention.hours=1
  samsa start --broker-id 1 --metadata etcd://127.0.0.1:2379/cluster-a`,
    )
    .action(async (opts: StartOptions) => {
      await runBroker(opts);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function settingsFrom(opts: StartOptions): Map<string, string> {
  const settings = new Map<string, string>();
  if (opts.config) {
    let text: string;
    try {
      text = readFileSync(opts.config, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --config ${opts.config}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    for (const [k, v] of parseProperties(text)) settings.set(k, v);
  }
  for (const o of opts.override) {
    const at = o.indexOf('=');
    if (at <= 0) throw new UsageError(`--override ${JSON.stringify(o)} is not name=value, e.g. --override num.partitions=3`);
    settings.set(o.slice(0, at).trim(), o.slice(at + 1).trim());
  }
  if (opts.brokerId !== undefined) {
    if (!/^\d+$/.test(opts.brokerId)) throw new UsageError(`--broker-id ${JSON.stringify(opts.brokerId)} must be a whole number, e.g. --broker-id 1`);
    settings.set('node.id', opts.brokerId);
  }
  if (opts.listen !== undefined) {
    if (!/^[^:\s]*:\d+$/.test(opts.listen)) throw new UsageError(`--listen ${JSON.stringify(opts.listen)} must be host:port, e.g. --listen 127.0.0.1:9092`);
    settings.set('listeners', `PLAINTEXT://${opts.listen}`);
  }
  if (opts.data !== undefined) settings.set('log.dir', opts.data);
  // Checked with the other settings (metadata.store.connect), before anything touches the disk.
  if (opts.metadata !== undefined) settings.set('metadata.store.connect', opts.metadata);
  return settings;
}

async function runBroker(opts: StartOptions): Promise<void> {
  if (!LOG_LEVELS.includes(opts.logLevel)) throw new UsageError(`--log-level ${opts.logLevel} is not one of ${LOG_LEVELS.join(', ')}`);
  const config = buildBrokerConfig(settingsFrom(opts));
  const logger = pino({ level: opts.logLevel, base: { broker: config.nodeId } });
  const broker = await Broker.start({ config, logger });
  const first = config.listeners[0]!;
  process.stdout.write(`Samsa broker ${config.nodeId} listening on ${first.host}:${broker.port} (data in ${config.logDir})\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      broker.stop().then(resolve, (e: unknown) => {
        logger.error({ err: e }, 'unclean stop');
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
