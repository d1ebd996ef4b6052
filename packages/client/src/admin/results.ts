/**
 * Turning per-item error codes into results: each item (a topic, a group, a partition)
 * settles with `error: KafkaProtocolError | null`, or goes back for another round when its
 * error is one a retry may cure (see retriesItem).
 */
import { ErrorCode } from '@samsa/protocol';
import { KafkaProtocolError, SamsaClientError } from '../errors.js';
import { retriesItem, type ItemOutcome } from './context.js';

export function errorOf(code: number, message?: string | null): KafkaProtocolError | null {
  return code === 0 ? null : new KafkaProtocolError(code, message);
}

/** An item's error code: settled (with its error) unless it is one that another round may cure. */
export function outcome<R>(errorCode: number, message: string | null | undefined, result: (error: KafkaProtocolError | null) => R): ItemOutcome<R> {
  return retriesItem(errorCode) ? { retry: new KafkaProtocolError(errorCode, message) } : { result: result(errorOf(errorCode, message)) };
}

/**
 * The result of an item still failing at the deadline: its last broker error, or (when the
 * last failure was not a broker's) REQUEST_TIMED_OUT carrying that failure's message.
 */
export function giveUpAs<K, R>(make: (item: K, error: KafkaProtocolError) => R) {
  return (item: K, last: SamsaClientError): R => make(item, last instanceof KafkaProtocolError ? last : new KafkaProtocolError(ErrorCode.REQUEST_TIMED_OUT, last.message));
}

export function invalid(message: string): SamsaClientError {
  return new SamsaClientError('INVALID_ARGUMENT', message);
}
