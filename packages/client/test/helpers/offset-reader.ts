/**
 * A consumer assigned one partition from offset 0 with short fetch and retry timings, and
 * the offsets it has read: for tests against scripted brokers (fake-broker.ts).
 */
import type { TestContext } from 'node:test';
import { Consumer } from '../../src/index.js';

export interface OffsetReader {
  readonly consumer: Consumer;
  /** Every offset read so far, in order. */
  readonly got: number[];
  /** Polls until `count` offsets are read or `ms` pass. */
  readUntil(count: number, ms: number): Promise<void>;
}

export function readFromZero(t: TestContext, bootstrapPort: number, topic = 't', partition = 0): OffsetReader {
  const consumer = new Consumer({ 'bootstrap.servers': `127.0.0.1:${bootstrapPort}`, 'fetch.max.wait.ms': 50, 'retry.backoff.ms': 100, 'metadata.max.age.ms': 300_000 });
  t.after(() => consumer.close(1000));
  const tp = { topic, partition };
  consumer.assign([tp]);
  consumer.seek(tp, 0);
  const got: number[] = [];
  return {
    consumer,
    got,
    async readUntil(count, ms) {
      const deadline = Date.now() + ms;
      while (got.length < count && Date.now() < deadline) for (const r of await consumer.poll(100)) got.push(r.offset);
    },
  };
}
