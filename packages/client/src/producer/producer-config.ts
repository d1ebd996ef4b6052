/**
 * Producer settings by Kafka's names, with Kafka 4.0's defaults. The dotted names are the
 * only form accepted (`{ 'bootstrap.servers': ..., 'linger.ms': 5 }`), so a Kafka user's
 * configuration and documentation carry over unchanged; inside, they become typed fields
 * with units last (`lingerMs`).
 */
import { compressionNames, type CompressionType } from '@samsa/protocol';
import { parseBootstrap, type BrokerAddress } from '../connection/broker-pool.js';
import { configError } from '../errors.js';

export interface ProducerConfig {
  'bootstrap.servers': string | readonly string[];
  'client.id'?: string;
  /** 'all' (= -1, the default), 1 (the leader wrote it) or 0 (no response). */
  acks?: 'all' | -1 | 0 | 1 | '-1' | '0' | '1';
  'batch.size'?: number;
  'linger.ms'?: number;
  'buffer.memory'?: number;
  'max.block.ms'?: number;
  'max.request.size'?: number;
  retries?: number;
  'retry.backoff.ms'?: number;
  'retry.backoff.max.ms'?: number;
  'delivery.timeout.ms'?: number;
  'request.timeout.ms'?: number;
  'compression.type'?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  'enable.idempotence'?: boolean;
  'max.in.flight.requests.per.connection'?: number;
  'metadata.max.age.ms'?: number;
  'reconnect.backoff.ms'?: number;
  'reconnect.backoff.max.ms'?: number;
  'socket.connection.setup.timeout.ms'?: number;
  /** Kafka 3.3+: when true, keyed records are spread like unkeyed ones. */
  'partitioner.ignore.keys'?: boolean;
}

export interface ProducerSettings {
  bootstrap: BrokerAddress[];
  clientId: string;
  acks: -1 | 0 | 1;
  batchSize: number;
  lingerMs: number;
  bufferMemory: number;
  maxBlockMs: number;
  maxRequestSize: number;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  compression: CompressionType;
  idempotence: boolean;
  maxInFlightRequestsPerConnection: number;
  metadataMaxAgeMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  connectTimeoutMs: number;
  partitionerIgnoreKeys: boolean;
}

const INT32_MAX = 2147483647;

/** Kafka 4.0 ProducerConfig defaults. */
export const PRODUCER_DEFAULTS = {
  'client.id': '',
  acks: 'all',
  'batch.size': 16384,
  'linger.ms': 5,
  'buffer.memory': 33554432,
  'max.block.ms': 60000,
  'max.request.size': 1048576,
  retries: INT32_MAX,
  'retry.backoff.ms': 100,
  'retry.backoff.max.ms': 1000,
  'delivery.timeout.ms': 120000,
  'request.timeout.ms': 30000,
  'compression.type': 'none',
  'max.in.flight.requests.per.connection': 5,
  'metadata.max.age.ms': 300000,
  'reconnect.backoff.ms': 50,
  'reconnect.backoff.max.ms': 1000,
  'socket.connection.setup.timeout.ms': 10000,
  'partitioner.ignore.keys': false,
} as const;

const KNOWN = new Set<string>(['bootstrap.servers', 'enable.idempotence', ...Object.keys(PRODUCER_DEFAULTS)]);

function int(config: ProducerConfig, name: keyof typeof PRODUCER_DEFAULTS, min: number, max = INT32_MAX): number {
  const v = (config[name as keyof ProducerConfig] ?? PRODUCER_DEFAULTS[name]) as unknown;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw configError(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

function parseAcks(v: unknown): -1 | 0 | 1 {
  if (v === 'all' || v === -1 || v === '-1') return -1;
  if (v === 1 || v === '1') return 1;
  if (v === 0 || v === '0') return 0;
  throw configError(`acks must be all, -1, 0 or 1, got ${JSON.stringify(v)}`);
}

/**
 * Idempotence needs acks=all, retries > 0 and at most 5 requests in flight (the broker
 * remembers five batches per producer). As in Kafka 3.0+: asked for explicitly with a
 * conflicting setting is an error; left at its default, a conflicting setting turns it off.
 */
function resolveIdempotence(config: ProducerConfig, acks: number, retries: number, maxInFlight: number): boolean {
  const conflict = acks !== -1 ? 'acks to all' : retries === 0 ? 'retries above 0' : maxInFlight > 5 ? 'max.in.flight.requests.per.connection to at most 5' : null;
  const asked = config['enable.idempotence'];
  if (asked !== undefined && typeof asked !== 'boolean') throw configError(`enable.idempotence must be a boolean, got ${JSON.stringify(asked)}`);
  if (asked === true && conflict) throw configError(`must set ${conflict} in order to use the idempotent producer`);
  return asked ?? conflict === null;
}

function parseCompression(v: unknown): CompressionType {
  const id = compressionNames.indexOf(String(v));
  if (id < 0) throw configError(`compression.type must be one of ${compressionNames.join(', ')}, got ${JSON.stringify(v)}`);
  return id as CompressionType;
}

export function parseProducerConfig(config: ProducerConfig): ProducerSettings {
  for (const k of Object.keys(config)) if (!KNOWN.has(k)) throw configError(`unknown producer setting ${JSON.stringify(k)}`);
  if (config['bootstrap.servers'] === undefined) throw configError('bootstrap.servers is required');
  const acks = parseAcks(config.acks ?? PRODUCER_DEFAULTS.acks);
  const retries = int(config, 'retries', 0);
  const maxInFlight = int(config, 'max.in.flight.requests.per.connection', 1);
  const lingerMs = int(config, 'linger.ms', 0);
  const requestTimeoutMs = int(config, 'request.timeout.ms', 0);
  // Kafka: delivery.timeout.ms must cover linger plus one request; if the user left it at
  // its default it is raised to fit, if they set it too low it is an error.
  let deliveryTimeoutMs = int(config, 'delivery.timeout.ms', 0);
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    if (config['delivery.timeout.ms'] !== undefined) throw configError(`delivery.timeout.ms (${deliveryTimeoutMs}) must be at least linger.ms + request.timeout.ms (${lingerMs + requestTimeoutMs})`);
    deliveryTimeoutMs = lingerMs + requestTimeoutMs;
  }
  const clientId = config['client.id'] ?? PRODUCER_DEFAULTS['client.id'];
  if (typeof clientId !== 'string') throw configError('client.id must be a string');
  return {
    bootstrap: parseBootstrap(config['bootstrap.servers']),
    clientId,
    acks,
    batchSize: int(config, 'batch.size', 0),
    lingerMs,
    bufferMemory: int(config, 'buffer.memory', 0, Number.MAX_SAFE_INTEGER),
    maxBlockMs: int(config, 'max.block.ms', 0, Number.MAX_SAFE_INTEGER),
    maxRequestSize: int(config, 'max.request.size', 0),
    retries,
    retryBackoffMs: int(config, 'retry.backoff.ms', 0, Number.MAX_SAFE_INTEGER),
    retryBackoffMaxMs: int(config, 'retry.backoff.max.ms', 0, Number.MAX_SAFE_INTEGER),
    deliveryTimeoutMs,
    requestTimeoutMs,
    compression: parseCompression(config['compression.type'] ?? PRODUCER_DEFAULTS['compression.type']),
    idempotence: resolveIdempotence(config, acks, retries, maxInFlight),
    maxInFlightRequestsPerConnection: maxInFlight,
    metadataMaxAgeMs: int(config, 'metadata.max.age.ms', 0, Number.MAX_SAFE_INTEGER),
    reconnectBackoffMs: int(config, 'reconnect.backoff.ms', 0, Number.MAX_SAFE_INTEGER),
    reconnectBackoffMaxMs: int(config, 'reconnect.backoff.max.ms', 0, Number.MAX_SAFE_INTEGER),
    connectTimeoutMs: int(config, 'socket.connection.setup.timeout.ms', 0),
    partitionerIgnoreKeys: config['partitioner.ignore.keys'] ?? PRODUCER_DEFAULTS['partitioner.ignore.keys'],
  };
}
