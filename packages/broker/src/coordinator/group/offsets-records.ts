/**
 * The records of __consumer_offsets, in Kafka's own layout so Kafka's tools can read them:
 *
 *   offset commit   key   v1: int16 version=1, group string, topic string, partition int32
 *                   value v3: int16 version=3, offset int64, leaderEpoch int32, metadata string, commitTimestamp int64
 *   group metadata  key   v2: int16 version=2, group string
 *                   value v3: int16 version=3, protocolType string, generation int32, protocol string?,
 *                             leader string?, currentStateTimestamp int64, members []
 *                             (memberId, groupInstanceId?, clientId, clientHost, rebalanceTimeout int32,
 *                              sessionTimeout int32, subscription bytes, assignment bytes)
 *
 * A null value (tombstone) deletes the key. Compaction keeps the latest value per key.
 */
import { Reader, SamsaError, Writer } from '@samsa/protocol';

export interface OffsetKey {
  kind: 'offset';
  group: string;
  topic: string;
  partition: number;
}

export interface GroupKey {
  kind: 'group';
  group: string;
}

export interface OffsetValue {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: bigint;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupValue {
  protocolType: string;
  generationId: number;
  protocolName: string | null;
  leader: string | null;
  currentStateTimestamp: bigint;
  members: StoredMember[];
}

export function encodeOffsetKey(k: Omit<OffsetKey, 'kind'>): Buffer {
  const w = new Writer(64);
  w.int16(1);
  w.string(k.group);
  w.string(k.topic);
  w.int32(k.partition);
  return w.finish();
}

export function encodeGroupKey(group: string): Buffer {
  const w = new Writer(32);
  w.int16(2);
  w.string(group);
  return w.finish();
}

export function decodeKey(buf: Buffer): OffsetKey | GroupKey {
  const r = new Reader(buf);
  const version = r.int16();
  if (version === 0 || version === 1) return { kind: 'offset', group: r.string(), topic: r.string(), partition: r.int32() };
  if (version === 2) return { kind: 'group', group: r.string() };
  throw new SamsaError('DECODE_INVALID', `unknown __consumer_offsets key version ${version}`);
}

export function encodeOffsetValue(v: OffsetValue): Buffer {
  const w = new Writer(64);
  w.int16(3);
  w.int64(v.offset);
  w.int32(v.leaderEpoch);
  w.string(v.metadata);
  w.int64(v.commitTimestamp);
  return w.finish();
}

export function decodeOffsetValue(buf: Buffer): OffsetValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 4) throw new SamsaError('DECODE_INVALID', `unknown offset value version ${version}`);
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string();
  const commitTimestamp = r.int64();
  if (version === 1) r.int64(); // expireTimestamp, unused since Kafka 2.1
  return { offset, leaderEpoch, metadata, commitTimestamp };
}

export function encodeGroupValue(v: GroupValue): Buffer {
  const w = new Writer(256);
  w.int16(3);
  w.string(v.protocolType);
  w.int32(v.generationId);
  w.nullableString(v.protocolName);
  w.nullableString(v.leader);
  w.int64(v.currentStateTimestamp);
  w.arrayLength(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId);
    w.nullableString(m.groupInstanceId);
    w.string(m.clientId);
    w.string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs);
    w.int32(m.sessionTimeoutMs);
    w.bytes(m.subscription);
    w.bytes(m.assignment);
  }
  return w.finish();
}

export function decodeGroupValue(buf: Buffer): GroupValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 3) throw new SamsaError('DECODE_INVALID', `unknown group value version ${version}`);
  const protocolType = r.string();
  const generationId = r.int32();
  const protocolName = r.nullableString();
  const leader = r.nullableString();
  const currentStateTimestamp = version >= 2 ? r.int64() : -1n;
  const count = r.arrayLength();
  const members: StoredMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = r.string();
    const groupInstanceId = version >= 3 ? r.nullableString() : null;
    const clientId = r.string();
    const clientHost = r.string();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    // Copies: the values outlive the segment buffer they were read from.
    const subscription = Buffer.from(r.bytes());
    const assignment = Buffer.from(r.bytes());
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs, sessionTimeoutMs: sessionTimeoutMs, subscription, assignment });
  }
  return { protocolType, generationId, protocolName, leader, currentStateTimestamp, members };
}
