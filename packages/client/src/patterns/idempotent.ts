/**
 * Idempotent consumption: wraps a record handler so that each message id is processed once
 * per dedup store (dedup-store.ts).
 *
 * Where the mark happens decides what a crash costs (Kafka delivery is at-least-once: after a
 * crash, records since the last commit come again):
 * - 'mark-after' (default): the handler runs, then the id is marked. A crash (or a failed
 *   mark) between the two runs the handler again on redelivery: a duplicate in that window,
 *   never a loss. Two deliveries of one id at the same moment can both run (has() then
 *   mark()); key-ordered processing (ParallelConsumer) never runs one record twice at once.
 * - 'mark-before': the id is marked, then the handler runs; a handler that throws unmarks it
 *   so a retry runs it. A crash between mark and effect loses the record (it is marked but
 *   its effect never happened): at-most-once in that window, never a duplicate.
 * - Effectively once: mark in the same transaction as the effect, with the SQL stores'
 *   processOnce() (the effect must live in the same database). That is the only mode
 *   without a window.
 *
 * The message id: a header's value (option `messageId: 'header-name'`), or any function of
 * the record. The default is the `message-id` header when present, else the record's origin
 * (recordOrigin: topic-partition@offset, taken from the dead-letter headers for a record
 * redriven from a dead-letter topic, so a redriven record and its original share an id).
 */
import type { ConsumerRecord } from '../consumer/types.js';
import type { DedupStore } from './dedup-store.js';
import { DLT_HEADERS } from './dead-letter-headers.js';

export type MessageIdSource = string | ((record: ConsumerRecord) => string);

export interface IdempotentOptions {
  store: DedupStore;
  /** A header name, or a function of the record. Default: header `message-id`, else recordOrigin(). */
  messageId?: MessageIdSource;
  /** Default 'mark-after'. */
  mark?: 'mark-before' | 'mark-after';
  /** Sees each duplicate that was skipped (metrics, tests). */
  onDuplicate?: (record: ConsumerRecord, id: string) => void;
}

export function headerValue(record: ConsumerRecord, name: string): string | null {
  for (let i = record.headers.length - 1; i >= 0; i--) {
    const h = record.headers[i]!;
    if (h.key === name) return h.value?.toString() ?? null;
  }
  return null;
}

/** "topic-partition@offset" of where the record was first written (its dead-letter headers say so for a redriven record). */
export function recordOrigin(record: ConsumerRecord): string {
  const topic = headerValue(record, DLT_HEADERS.topic);
  const partition = headerValue(record, DLT_HEADERS.partition);
  const offset = headerValue(record, DLT_HEADERS.offset);
  if (topic !== null && partition !== null && offset !== null) return `${topic}-${partition}@${offset}`;
  return `${record.topic}-${record.partition}@${record.offset}`;
}

export function messageIdOf(record: ConsumerRecord, source: MessageIdSource | undefined): string {
  if (typeof source === 'function') return source(record);
  return headerValue(record, source ?? 'message-id') ?? recordOrigin(record);
}

/** The handler wrapped: a record whose id the store has already marked is skipped. */
export function idempotent(handler: (record: ConsumerRecord) => unknown, options: IdempotentOptions): (record: ConsumerRecord) => Promise<void> {
  const { store } = options;
  if (options.mark === 'mark-before') {
    return async (record) => {
      const id = messageIdOf(record, options.messageId);
      if (!(await store.mark(id))) return options.onDuplicate?.(record, id);
      try {
        await handler(record);
      } catch (e) {
        await store.unmark(id);
        throw e;
      }
    };
  }
  return async (record) => {
    const id = messageIdOf(record, options.messageId);
    if (await store.has(id)) return options.onDuplicate?.(record, id);
    await handler(record);
    await store.mark(id);
  };
}
