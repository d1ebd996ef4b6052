/**
 * The client's errors. Callers switch on `code` (a closed set) and check `retriable`;
 * a broker's error code arrives as a KafkaProtocolError, whose name and retriable flag come
 * from the generated error table, so they match Kafka's own.
 *
 * Why not the protocol package's SamsaError: its code set is the codec's (DECODE_*,
 * ENCODE_*, ...) and is closed; the client's failures are a different closed set.
 */
import { errorName, isRetriable } from '@samsa/protocol';

export type ClientErrorCode =
  | 'CONNECTION_FAILED' // a TCP connect (or its ApiVersions handshake) failed or timed out
  | 'CONNECTION_CLOSED' // the connection closed with the request in flight
  | 'REQUEST_TIMEOUT' // no response within request.timeout.ms (the connection is closed)
  | 'BAD_RESPONSE' // a response the client could not match or decode (the connection is closed)
  | 'UNSUPPORTED_VERSION' // the broker and the client share no version of an API
  | 'CONFIG_INVALID' // a setting is unknown, out of range or contradicts another
  | 'CLOSED' // the client was closed before the operation finished
  | 'BUFFER_EXHAUSTED' // buffer.memory stayed full for max.block.ms
  | 'METADATA_TIMEOUT' // the topic did not appear in metadata within max.block.ms
  | 'RECORD_TOO_LARGE' // a record larger than max.request.size or buffer.memory
  | 'INVALID_RECORD' // a record the producer cannot send (a partition out of range, ...)
  | 'DELIVERY_TIMEOUT' // a record was not acknowledged within delivery.timeout.ms
  | 'ILLEGAL_STATE' // a consumer call that its state does not allow (poll with no subscription, seek on an unassigned partition, ...)
  | 'NO_OFFSET_FOR_PARTITION' // no committed offset and auto.offset.reset=none
  | 'OFFSET_OUT_OF_RANGE' // the position left the log and auto.offset.reset=none
  | 'COMMIT_FAILED' // the group rebalanced or the member was removed: the commit cannot be completed
  | 'CORRUPT_RECORD' // a fetched batch failed its CRC or could not be decoded
  | 'TIMEOUT' // a consumer operation (commitSync, committed, position) did not finish within its timeout
  | 'KAFKA_ERROR'; // a broker answered with an error code: see KafkaProtocolError

export class SamsaClientError extends Error {
  readonly code: ClientErrorCode;
  readonly retriable: boolean;

  constructor(code: ClientErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SamsaClientError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** An error code a broker returned. `type` is Kafka's name for it (NOT_LEADER_OR_FOLLOWER, ...). */
export class KafkaProtocolError extends SamsaClientError {
  readonly errorCode: number;
  readonly type: string;

  constructor(errorCode: number, detail?: string | null) {
    const type = errorName(errorCode);
    super('KAFKA_ERROR', detail ? `${type}: ${detail}` : type, { retriable: isRetriable(errorCode) });
    this.name = 'KafkaProtocolError';
    this.errorCode = errorCode;
    this.type = type;
  }
}

/** A connection-level failure: the request may not have reached the broker, so it may be retried. */
export function connectionError(code: 'CONNECTION_FAILED' | 'CONNECTION_CLOSED' | 'REQUEST_TIMEOUT' | 'BAD_RESPONSE', message: string, cause?: unknown): SamsaClientError {
  return new SamsaClientError(code, message, { retriable: true, cause });
}

export function configError(message: string): SamsaClientError {
  return new SamsaClientError('CONFIG_INVALID', message);
}

export function closedError(what: string): SamsaClientError {
  return new SamsaClientError('CLOSED', `${what}: the client is closed`);
}
