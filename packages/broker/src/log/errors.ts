/**
 * Errors of the partition log that callers map to Kafka error codes. Everything else the
 * log throws is a SamsaError (CORRUPT_RECORD, CLOSED, INTERNAL for a broken invariant) or
 * an I/O error from the file system, which handlers report as KAFKA_STORAGE_ERROR.
 */

/** A read or DeleteRecords named an offset outside [logStartOffset, logEndOffset]: OFFSET_OUT_OF_RANGE. */
export class OffsetOutOfRangeError extends Error {
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
    what = 'offset',
  ) {
    super(`${what} ${offset} is outside the log range [${logStartOffset}, ${logEndOffset}]`);
    this.name = 'OffsetOutOfRangeError';
  }
}

/** An fsync failed: the log refuses appends from then on (Kafka takes the log dir offline). */
export class LogOfflineError extends Error {
  constructor(
    readonly dir: string,
    options: { cause: unknown },
  ) {
    super(`log ${dir} is offline after a failed fsync: ${(options.cause as Error)?.message ?? String(options.cause)}`, options);
    this.name = 'LogOfflineError';
  }
}
