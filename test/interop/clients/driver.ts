/**
 * What every third-party client can be asked to do in the interop scenarios. Each client
 * (kcat, confluent-kafka, kafka-python, kafkajs) implements this with its own API, so one
 * scenario runs against all of them and records cross from one client to another.
 * Keys, values and header values are UTF-8 text; null means null on the wire.
 */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];

export interface TestRecord {
  key: string | null;
  value: string | null;
  /** In order; a name may repeat. */
  headers: ReadonlyArray<readonly [string, string]>;
}

export interface ConsumedRecord extends TestRecord {
  offset: number;
  /** CreateTime as the producer set it, in ms. */
  timestamp: number;
}

export type StartAt =
  | { kind: 'beginning' }
  | { kind: 'offset'; offset: number }
  /** The client resolves the timestamp to an offset itself (offsets_for_times, -o s@TS, ...). */
  | { kind: 'timestamp'; timestampMs: number };

export interface ProduceOptions {
  partition: number;
  codec: Codec;
  /** 1 or -1 (all). Default -1. */
  acks?: 1 | -1;
}

export interface ClientDriver {
  readonly name: string;
  /** How this client creates topics: 'admin' (CreateTopics) or 'auto-create' (broker creates on first produce). */
  readonly creates: 'admin' | 'auto-create';
  /** Creates the topic with `partitions` partitions; an auto-create client ignores the count. */
  createTopic(topic: string, partitions: number): Promise<void>;
  /** Produces the records in order to one partition; returns their offsets when the client reports them. */
  produce(topic: string, records: readonly TestRecord[], options: ProduceOptions): Promise<number[] | null>;
  /** Consumes exactly `count` records from `start`, failing after a deadline. */
  consume(topic: string, partition: number, start: StartAt, count: number): Promise<ConsumedRecord[]>;
  /**
   * Positions a consumer at the end of the partition, runs `whileWaiting` (which produces)
   * once the client says it is positioned, and returns the next `count` records.
   */
  consumeFromEnd(topic: string, partition: number, count: number, whileWaiting: () => Promise<void>): Promise<ConsumedRecord[]>;
  /** ListOffsets earliest and latest. */
  listOffsets(topic: string, partition: number): Promise<{ earliest: number; latest: number }>;
  /** ListOffsets by timestamp: the first offset whose timestamp is at or after it. */
  offsetForTimestamp(topic: string, partition: number, timestampMs: number): Promise<number>;
  /**
   * What offsetForTimestamp gives for a timestamp after every record: -1 as the broker
   * answers ('minus-one'), or the latest offset, which kafkajs substitutes ('latest').
   */
  readonly afterLastTimestamp: 'minus-one' | 'latest';
  /**
   * Codecs this client asks for but sends uncompressed to Samsa, with the reason (librdkafka
   * decides from ApiVersions which codecs a broker takes). Checked on the wire, so the entry
   * must go when the reason does.
   */
  readonly sendsUncompressed: Partial<Record<Codec, string>>;
  /** DeleteTopics; null when the client has no admin API. */
  readonly deleteTopic: ((topic: string) => Promise<void>) | null;
  /** Metadata for all topics: name -> partition count. */
  listTopics(): Promise<Map<string, number>>;
  /** Releases connections the driver keeps open. */
  close(): Promise<void>;
}

/** How long a client gets for one operation before the test fails. */
export const CLIENT_TIMEOUT_MS = 30_000;
