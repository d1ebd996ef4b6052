/**
 * The embedded formats carried as opaque bytes in JoinGroup/SyncGroup for the "consumer"
 * protocol type: a version int16, then the body. A newer version than we know is read with
 * our newest layout, as Kafka does: versions only ever append fields.
 */
import { Reader } from './codec/reader.js';
import { Writer } from './codec/writer.js';
import {
  decodeConsumerProtocolAssignment,
  encodeConsumerProtocolAssignment,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolAssignmentInput,
} from './generated/messages/consumer-protocol-assignment.js';
import {
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolSubscription,
  type ConsumerProtocolSubscription,
  type ConsumerProtocolSubscriptionInput,
} from './generated/messages/consumer-protocol-subscription.js';
import { SamsaError } from './errors/samsa-error.js';

const SUBSCRIPTION_MAX_VERSION = 3;
const ASSIGNMENT_MAX_VERSION = 3;

function readVersion(r: Reader, max: number): number {
  const version = r.int16();
  if (version < 0) throw new SamsaError('DECODE_INVALID', `negative consumer protocol version ${version}`);
  return Math.min(version, max);
}

export function encodeSubscription(m: ConsumerProtocolSubscriptionInput, version = SUBSCRIPTION_MAX_VERSION): Buffer {
  const w = new Writer(64);
  w.int16(version);
  encodeConsumerProtocolSubscription(w, version, m);
  return w.finish();
}

export function decodeSubscription(buf: Buffer): ConsumerProtocolSubscription & { version: number } {
  const r = new Reader(buf);
  const version = readVersion(r, SUBSCRIPTION_MAX_VERSION);
  return { version, ...decodeConsumerProtocolSubscription(r, version) };
}

export function encodeAssignment(m: ConsumerProtocolAssignmentInput, version = ASSIGNMENT_MAX_VERSION): Buffer {
  const w = new Writer(64);
  w.int16(version);
  encodeConsumerProtocolAssignment(w, version, m);
  return w.finish();
}

export function decodeAssignment(buf: Buffer): ConsumerProtocolAssignment & { version: number } {
  // A member given nothing may get zero bytes rather than an encoded empty assignment.
  if (buf.length === 0) return { version: 0, assignedPartitions: [], userData: null };
  const r = new Reader(buf);
  const version = readVersion(r, ASSIGNMENT_MAX_VERSION);
  return { version, ...decodeConsumerProtocolAssignment(r, version) };
}
