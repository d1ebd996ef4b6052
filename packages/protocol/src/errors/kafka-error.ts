import { ErrorCode, errorTable, type ErrorName } from '../generated/errors.js';

/**
 * A Kafka protocol error, as a broker returns it in a response. Only codes from the
 * generated table exist; an unknown code (a newer broker) becomes UNKNOWN_SERVER_ERROR
 * with the raw code kept, so a client never crashes on a code it does not know.
 */
export class KafkaError extends Error {
  readonly errorCode: number;
  readonly type: ErrorName;
  readonly retriable: boolean;

  constructor(errorCode: number, message?: string) {
    const info = errorTable.get(errorCode) ?? errorTable.get(ErrorCode.UNKNOWN_SERVER_ERROR)!;
    super(message ? `${info.name}: ${message}` : info.name);
    this.name = 'KafkaError';
    this.errorCode = errorCode;
    this.type = info.name;
    this.retriable = errorTable.has(errorCode) ? info.retriable : false;
  }

  static is(e: unknown, type: ErrorName): e is KafkaError {
    return e instanceof KafkaError && e.type === type;
  }
}

export function errorName(code: number): string {
  return errorTable.get(code)?.name ?? `UNKNOWN_ERROR_CODE_${code}`;
}

export function isRetriable(code: number): boolean {
  return errorTable.get(code)?.retriable ?? false;
}
