/**
 * kafkajs 2.2.4's hand-written protocol code, loaded from its CommonJS sources for the
 * interop tests. kafkajs ships no types for these internals, so the few shapes we touch are
 * declared here. Nothing in this file encodes Kafka messages itself: it only calls kafkajs.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = 'kafkajs/src/protocol';

/** kafkajs's Encoder: the bytes written so far are `buffer`. */
export interface KafkajsEncoder {
  readonly buffer: Buffer;
  writeBytes(v: Buffer | string | null): KafkajsEncoder;
}

export interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  encode(): Promise<KafkajsEncoder>;
}

export interface KafkajsResponse {
  decode(payload: Buffer): Promise<unknown>;
}

interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
}

type RequestFactory = (args: unknown) => KafkajsRequest;
type ResponseModule = KafkajsResponse | ((args: unknown) => KafkajsResponse);

/** requests/<api>/v<N>/request.js: the function that builds a request from its arguments. */
export function kafkajsRequest(api: string, version: number, args: unknown): KafkajsRequest {
  const factory = require(`${root}/requests/${api}/v${version}/request`) as RequestFactory;
  return factory(args);
}

/**
 * requests/<api>/v<N>/response.js. A few (DeleteRecords) export a factory that takes the
 * request's arguments and returns { decode, parse }; the others export { decode, parse }.
 */
export function kafkajsResponse(api: string, version: number, requestArgs: unknown): KafkajsResponse {
  const mod = require(`${root}/requests/${api}/v${version}/response`) as ResponseModule;
  return typeof mod === 'function' ? mod(requestArgs) : mod;
}

/** protocol/request.js: size, header v1 (key, version, correlation id, client id), body. */
export async function kafkajsFrame(request: KafkajsRequest, correlationId: number, clientId: string): Promise<Buffer> {
  const frame = require(`${root}/request`) as (o: {
    correlationId: number;
    clientId: string;
    request: KafkajsRequest;
  }) => Promise<KafkajsEncoder>;
  return (await frame({ correlationId, clientId, request })).buffer;
}

const Decoder = require(`${root}/decoder`) as { prototype: Record<string, unknown> };

/** Every kafkajs Decoder that read something since the last `watchDecoders()`. */
const touched = new Set<KafkajsDecoder>();

// Wrap the Decoder's methods so a test can see how far kafkajs read into a payload: kafkajs
// never checks for trailing bytes, so a field we write at a version where it does not exist
// would otherwise go unnoticed when it is the last one.
for (const name of Object.getOwnPropertyNames(Decoder.prototype)) {
  const method = Decoder.prototype[name];
  if (name === 'constructor' || typeof method !== 'function') continue;
  Decoder.prototype[name] = function (this: KafkajsDecoder, ...args: unknown[]): unknown {
    touched.add(this);
    return (method as (...a: unknown[]) => unknown).apply(this, args);
  };
}

export function watchDecoders(): void {
  touched.clear();
}

/** How many bytes of `payload` kafkajs read, through the Decoder it created over it. */
export function bytesReadOf(payload: Buffer): number {
  let read = 0;
  for (const d of touched) if (d.buffer === payload) read = Math.max(read, d.offset);
  return read;
}

/** kafkajs's record and message-set encoders, to make the same record bytes its Produce request makes. */
export interface KafkajsMessage {
  key: Buffer | string | null;
  value: Buffer | string | null;
  timestamp: number;
  headers?: Record<string, string>;
}

const Encoder = require(`${root}/encoder`) as new () => KafkajsEncoder;
const MessageSet = require(`${root}/messageSet`) as (o: {
  messageVersion: number;
  compression?: number;
  entries: KafkajsMessage[];
}) => KafkajsEncoder;
const Record = require(`${root}/recordBatch/record/v0`) as (o: object) => KafkajsEncoder;
const { RecordBatch } = require(`${root}/recordBatch/v0`) as {
  RecordBatch: (o: object) => Promise<KafkajsEncoder>;
};
export const CompressionNone = (require(`${root}/message/compression`) as { Types: { None: number } }).Types.None;

/** The bytes kafkajs's Encoder.writeBytes makes: an int32 length, then the bytes. */
export function kafkajsBytes(v: Buffer | string): Buffer {
  return new Encoder().writeBytes(v).buffer;
}

export function messageSet(messageVersion: number, entries: KafkajsMessage[], compression?: number): Buffer {
  return MessageSet(compression === undefined ? { messageVersion, entries } : { messageVersion, compression, entries }).buffer;
}

/** A v2 record batch, built the way requests/produce/v3/request.js builds one per partition. */
export async function recordBatch(o: {
  messages: KafkajsMessage[];
  firstOffset?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  firstSequence?: number;
  transactional?: boolean;
}): Promise<Buffer> {
  const timestamps = o.messages.map((m) => m.timestamp).sort((a, b) => a - b);
  const firstTimestamp = timestamps[0]!;
  const records = o.messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: m.timestamp - firstTimestamp }));
  const batch = await RecordBatch({
    compression: CompressionNone,
    records,
    firstTimestamp,
    maxTimestamp: timestamps[timestamps.length - 1],
    lastOffsetDelta: records.length - 1,
    ...(o.firstOffset === undefined ? {} : { firstOffset: o.firstOffset }),
    ...(o.producerId === undefined ? {} : { producerId: o.producerId }),
    ...(o.producerEpoch === undefined ? {} : { producerEpoch: o.producerEpoch }),
    ...(o.firstSequence === undefined ? {} : { firstSequence: o.firstSequence }),
    transactional: o.transactional ?? false,
  });
  return batch.buffer;
}

/** Every API kafkajs implements, by api key, with the versions it implements. */
export function kafkajsImplemented(): Map<number, number[]> {
  const { requests } = require(`${root}/requests`) as { requests: Record<string, { versions: string[] }> };
  const apiKeys = require(`${root}/requests/apiKeys`) as Record<string, number>;
  const out = new Map<number, number[]>();
  for (const [name, def] of Object.entries(requests)) {
    if (def.versions.length === 0) continue;
    const key = apiKeys[name];
    if (key === undefined) throw new Error(`kafkajs request ${name} has no api key`);
    out.set(key, def.versions.map(Number).sort((a, b) => a - b));
  }
  return out;
}
