/**
 * Samsa's own failures (not Kafka protocol error codes, which live in kafka-error.ts).
 * The code set is closed so callers can switch on it exhaustively.
 */
export type SamsaErrorCode =
  | 'DECODE_TRUNCATED' // the input ended before the value it promised
  | 'DECODE_INVALID' // a length, count or value that cannot be valid
  | 'ENCODE_INVALID' // a value that cannot be written at the requested version
  | 'UNSUPPORTED_VERSION' // an (apiKey, version) pair we do not speak
  | 'CORRUPT_RECORD' // a record batch failed its CRC or structural checks
  | 'UNSUPPORTED_MAGIC' // a record batch of message format v0/v1
  | 'COMPRESSION' // a codec failed to compress or decompress
  | 'CONFIG_INVALID'
  | 'TIMEOUT'
  | 'METADATA_UNAVAILABLE' // the metadata store (etcd) cannot be reached
  | 'CLOSED'
  | 'INTERNAL';

export class SamsaError extends Error {
  readonly code: SamsaErrorCode;

  constructor(code: SamsaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SamsaError';
    this.code = code;
  }
}
