export { Reader } from './codec/reader.js';
export { Writer } from './codec/writer.js';
export { SamsaError, type SamsaErrorCode } from './errors/samsa-error.js';
export { KafkaError, errorName, isRetriable } from './errors/kafka-error.js';
export * from './generated/index.js';
export * from './headers.js';
export * from './consumer-protocol.js';
