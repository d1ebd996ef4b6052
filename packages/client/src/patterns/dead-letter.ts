/**
 * Dead letters: a handler wrapped so that a record whose handler still fails after
 * `attempts` tries (with exponential backoff between them) is written to a dead-letter
 * topic, with headers naming its origin, the attempt count and the error (DLT_HEADERS), and
 * then counts as handled, so it is committed and processing moves on. The write is awaited
 * (the producer's acks decide how durable it is; the default acks=all): only once the
 * dead-letter topic has the record does the wrapper return. A failed write throws, so the
 * record is not committed and nothing is lost.
 *
 * Use it as ParallelConsumer's `deadLetter` option, or around any handler
 * (`consumer.run({ eachMessage: withDeadLetter(handle, {...}) })`). redrive.ts reads the
 * dead-letter topic back once the failing dependency is healthy.
 */
import type { ConsumerRecord } from '../consumer/types.js';
import type { Producer } from '../producer/producer.js';
import { backoffMs, type Backoff } from '../util/backoff.js';
import { DLT_HEADERS } from './dead-letter-headers.js';

export interface DeadLetterOptions {
  /** Sends the dead letters (the caller owns it: creates, flushes and closes it). */
  producer: Producer;
  /** The dead-letter topic, or a function of the failed record. Default `<topic>.DLT`. */
  topic?: string | ((record: ConsumerRecord) => string);
  /** Tries of the handler before the record is dead-lettered. Default 3. */
  attempts?: number;
  /** Waits between tries, as retry.backoff.ms / retry.backoff.max.ms. Default 100 / 1000. */
  backoff?: Backoff;
  /** Sees each record as it is dead-lettered. */
  onDeadLetter?: (record: ConsumerRecord, error: unknown, attempts: number) => void;
}

/** The dead-letter topic's name for `record` under `options`. */
export function deadLetterTopic(record: ConsumerRecord, topic: DeadLetterOptions['topic']): string {
  if (typeof topic === 'function') return topic(record);
  return topic ?? `${record.topic}.DLT`;
}

function errorParts(error: unknown): { className: string; message: string } {
  if (error instanceof Error) return { className: error.name, message: error.message };
  return { className: typeof error, message: String(error) };
}

export function withDeadLetter(handler: (record: ConsumerRecord) => unknown, options: DeadLetterOptions): (record: ConsumerRecord) => Promise<void> {
  const attempts = options.attempts ?? 3;
  const backoff = options.backoff ?? { initialMs: 100, maxMs: 1000 };
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  return async (record) => {
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, backoffMs(backoff, attempt - 1)));
      try {
        await handler(record);
        return;
      } catch (e) {
        lastError = e;
      }
    }
    const { className, message } = errorParts(lastError);
    // The original headers first (a message id among them), then ours; a record dead-lettered
    // twice (a redrive that failed again) keeps its first origin, see redrive.ts.
    const headers: Array<readonly [string, Buffer | string | null]> = record.headers.filter((h) => !h.key.startsWith('samsa.dlt.')).map((h) => [h.key, h.value] as const);
    headers.push(
      [DLT_HEADERS.topic, record.topic],
      [DLT_HEADERS.partition, String(record.partition)],
      [DLT_HEADERS.offset, String(record.offset)],
      [DLT_HEADERS.attempts, String(attempts)],
      [DLT_HEADERS.errorClass, className],
      [DLT_HEADERS.errorMessage, message.slice(0, 4096)],
    );
    await options.producer.send({ topic: deadLetterTopic(record, options.topic), key: record.key, value: record.value, headers, timestamp: record.timestamp });
    options.onDeadLetter?.(record, lastError, attempts);
  };
}
