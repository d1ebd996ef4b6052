/**
 * `samsa perf produce|consume`: Kafka's kafka-producer-perf-test.sh and
 * kafka-consumer-perf-test.sh, with latency percentiles from an HDR histogram.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { parentCommand } from '../options.js';
import { parseDurationMs } from '../perf/stats.js';
import { perfConsumeCommand } from './perf-consume.js';
import { perfProduceCommand } from './perf-produce.js';

export function perfCommand(): Command {
  return parentCommand('perf', 'measure produce and consume throughput and latency', [
    'samsa perf produce --topic perf --num-records 1000000 --record-size 100',
    'samsa perf consume --topic perf --num-records 1000000',
  ]).addCommand(perfProduceCommand()).addCommand(perfConsumeCommand());
}

/** --duration: "30s", "500ms", "2m" or seconds. */
export function durationArg(value: string): number {
  const ms = parseDurationMs(value);
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError('it must be a time such as 30s, 500ms or 2m (a bare number is seconds)');
  return ms;
}
