/**
 * The consumer: poll() is the core (consumer-core.ts); the async iterator and run() are built
 * on it, so they share its backpressure: records are fetched ahead only as far as the fetcher
 * buffers (one response per partition), and poll() is called again only once the application
 * has taken every record of the previous one.
 *
 *   const consumer = new Consumer({ 'bootstrap.servers': '127.0.0.1:9092', 'group.id': 'g' });
 *   consumer.subscribe(['events'], { onPartitionsRevoked: async (tps) => { ... } });
 *   for (;;) for (const r of await consumer.poll(1000)) handle(r);
 *   for await (const r of consumer) handle(r);                 // or
 *   await consumer.run({ eachMessage: async (r) => handle(r) });
 *   await consumer.close();
 */
import { SamsaClientError } from '../errors.js';
import { ConsumerCore } from './consumer-core.js';
import { tpKey, type ConsumerRecord } from './types.js';

export interface Batch {
  readonly topic: string;
  readonly partition: number;
  /** In offset order. */
  readonly records: readonly ConsumerRecord[];
  /** The partition's high watermark at the last fetch (-1 when unknown). */
  readonly highWatermark: number;
}

export type RunHandlers = { eachMessage: (record: ConsumerRecord) => unknown; eachBatch?: never } | { eachBatch: (batch: Batch) => unknown; eachMessage?: never };

/** How long the iterator and run() wait in each poll before looking again (closing ends a wait at once). */
const LOOP_POLL_MS = 1000;

export class Consumer extends ConsumerCore implements AsyncIterable<ConsumerRecord> {
  /**
   * Records one at a time until close(). Taking a record counts as polling for
   * max.poll.interval.ms. Breaking out of the loop (or close()) gives back the records
   * polled but not yet taken: their partitions are sought back to them.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord, void, undefined> {
    try {
      while (!this.closing) {
        if (this.undeliveredIndex >= this.undelivered.length) {
          this.undelivered = [];
          this.undeliveredIndex = 0;
          const records = await this.poll(LOOP_POLL_MS);
          if (this.closing) break;
          this.undelivered = records;
          continue;
        }
        if (this.coordinator) this.coordinator.lastPollMs = Date.now();
        yield this.undelivered[this.undeliveredIndex++]!;
      }
    } finally {
      this.rewindUndelivered();
    }
  }

  /**
   * Runs `eachMessage` for every record (or `eachBatch` for each partition's records of one
   * poll), awaiting each, until close(). If a handler throws, the partitions are sought
   * back to the record (or batch) that failed, so it comes again, and run() rejects.
   */
  async run(handlers: RunHandlers): Promise<void> {
    if (typeof handlers.eachMessage === 'function') {
      const each = handlers.eachMessage;
      for await (const r of this) {
        try {
          await each(r);
        } catch (e) {
          this.seekBack([r]);
          throw e;
        }
      }
      return;
    }
    if (typeof handlers.eachBatch !== 'function') throw new SamsaClientError('ILLEGAL_STATE', 'run() needs eachMessage or eachBatch');
    const eachBatch = handlers.eachBatch;
    while (!this.closing) {
      const records = await this.poll(LOOP_POLL_MS);
      const batches = new Map<string, ConsumerRecord[]>();
      for (const r of records) {
        const k = tpKey(r.topic, r.partition);
        let list = batches.get(k);
        if (!list) batches.set(k, (list = []));
        list.push(r);
      }
      const pending = [...batches.values()];
      for (let i = 0; i < pending.length; i++) {
        const list = pending[i]!;
        const first = list[0]!;
        try {
          await eachBatch({ topic: first.topic, partition: first.partition, records: list, highWatermark: this.subs.state(first.topic, first.partition)?.highWatermark ?? -1 });
        } catch (e) {
          this.seekBack(pending.slice(i).map((l) => l[0]!));
          throw e;
        }
        if (this.coordinator) this.coordinator.lastPollMs = Date.now();
      }
    }
  }

  /** Seeks each record's partition back to it, if still assigned and not sought elsewhere since. */
  private seekBack(records: readonly ConsumerRecord[]): void {
    for (const r of records) {
      const st = this.subs.state(r.topic, r.partition);
      if (st && st.position !== null && st.position > r.offset) this.subs.seek(st, r.offset);
    }
  }
}
