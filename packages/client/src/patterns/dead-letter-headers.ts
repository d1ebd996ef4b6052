/**
 * The headers a dead-letter record carries, naming where it came from and why it failed
 * (the names Kafka Connect's errors.deadletterqueue.context.headers.enable uses, under our
 * own prefix so they cannot be mistaken for Connect's).
 */
export const DLT_HEADERS = {
  topic: 'samsa.dlt.original.topic',
  partition: 'samsa.dlt.original.partition',
  offset: 'samsa.dlt.original.offset',
  attempts: 'samsa.dlt.attempts',
  errorClass: 'samsa.dlt.exception.class.name',
  errorMessage: 'samsa.dlt.exception.message',
} as const;
