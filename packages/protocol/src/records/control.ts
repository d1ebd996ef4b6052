/**
 * Control batches: the transaction markers (commit/abort) a coordinator writes into each
 * partition a transaction touched. Each holds one record whose key is
 * (version int16, type int16) and whose value, for markers, is (version int16,
 * coordinatorEpoch int32).
 */
import { SamsaError } from '../errors/samsa-error.js';
import { buildRecordBatch } from './build-batch.js';

export const ControlRecordType = { abort: 0, commit: 1 } as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

const CONTROL_KEY_VERSION = 0;
const END_TXN_MARKER_VERSION = 0;

export function encodeControlRecordKey(type: number): Buffer {
  const key = Buffer.allocUnsafe(4);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** Newer key versions keep version and type first, so they are read the same way (as Kafka does). */
export function decodeControlRecordKey(key: Uint8Array | null): { version: number; type: number } {
  if (key === null || key.length < 4) throw new SamsaError('CORRUPT_RECORD', `control record key of ${key?.length ?? 'null'} bytes, need 4`);
  const view = Buffer.from(key.buffer, key.byteOffset, key.length);
  const version = view.readInt16BE(0);
  if (version < 0) throw new SamsaError('CORRUPT_RECORD', `negative control record key version ${version}`);
  return { version, type: view.readInt16BE(2) };
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(6);
  value.writeInt16BE(END_TXN_MARKER_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/** Later versions may append fields; version 0's fields come first, as Kafka reads them. */
export function decodeEndTxnMarkerValue(value: Uint8Array | null): { version: number; coordinatorEpoch: number } {
  if (value === null || value.length < 6) throw new SamsaError('CORRUPT_RECORD', `end transaction marker value of ${value?.length ?? 'null'} bytes, need 6`);
  const view = Buffer.from(value.buffer, value.byteOffset, value.length);
  const version = view.readInt16BE(0);
  if (version < 0) throw new SamsaError('CORRUPT_RECORD', `negative end transaction marker version ${version}`);
  return { version, coordinatorEpoch: view.readInt32BE(2) };
}

export interface EndTxnMarkerInput {
  type: ControlRecordType;
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  timestamp?: number;
}

/** A control batch holding one commit or abort marker: transactional, control, no sequence. */
export function buildEndTxnMarkerBatch(m: EndTxnMarkerInput): Buffer {
  return buildRecordBatch({
    baseOffset: m.baseOffset ?? 0n,
    partitionLeaderEpoch: m.partitionLeaderEpoch ?? -1,
    isTransactional: true,
    isControl: true,
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    records: [{ key: encodeControlRecordKey(m.type), value: encodeEndTxnMarkerValue(m.coordinatorEpoch), ...(m.timestamp === undefined ? {} : { timestamp: m.timestamp }) }],
  });
}
