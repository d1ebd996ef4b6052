/**
 * A consuming process for the kill -9 test: a ParallelConsumer whose handler appends
 * "partition offset" to a file (appendFileSync: the line is in the kernel's page cache
 * before the record counts as handled, so it survives the process's SIGKILL).
 * Usage: node parallel-child.js <bootstrap> <topic> <group> <out-file>
 */
import { appendFileSync } from 'node:fs';
import { Consumer, ParallelConsumer } from '@samsa/client';

const [bootstrap, topic, group, outFile] = process.argv.slice(2) as [string, string, string, string];
const consumer = new Consumer({
  'bootstrap.servers': bootstrap,
  'group.id': group,
  'enable.auto.commit': false,
  'auto.offset.reset': 'earliest',
  'session.timeout.ms': 6000,
  'heartbeat.interval.ms': 300,
  'retry.backoff.ms': 50,
  'fetch.max.wait.ms': 100,
});
const pc = new ParallelConsumer(consumer, {
  workers: 16,
  commitIntervalMs: 100,
  handler: async (r) => {
    await new Promise((res) => setTimeout(res, Math.random() * 4));
    appendFileSync(outFile, `${r.partition} ${r.offset}\n`);
  },
});
pc.subscribe([topic]);
process.on('SIGTERM', () => void pc.stop(5_000).then(() => consumer.close(5_000)).then(() => process.exit(0)));
console.log('consuming');
await pc.run();
