/**
 * Admin client settings by Kafka's names (AdminClientConfig), with Kafka 4.0's defaults.
 * As for the producer, only the dotted names are accepted and an unknown one is an error.
 */
import { parseBootstrap, type BrokerAddress } from '../connection/broker-pool.js';
import { configError } from '../errors.js';

export interface AdminConfig {
  'bootstrap.servers': string | readonly string[];
  'client.id'?: string;
  /** Per request; on expiry the connection closes and the call is retried within its timeout. */
  'request.timeout.ms'?: number;
  /** The bound on a whole call (all its retries), unless the call passes its own timeoutMs. */
  'default.api.timeout.ms'?: number;
  'retry.backoff.ms'?: number;
  'retry.backoff.max.ms'?: number;
  'reconnect.backoff.ms'?: number;
  'reconnect.backoff.max.ms'?: number;
  'socket.connection.setup.timeout.ms'?: number;
}

export interface AdminSettings {
  bootstrap: BrokerAddress[];
  clientId: string;
  requestTimeoutMs: number;
  defaultApiTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  connectTimeoutMs: number;
}

/** Kafka 4.0 AdminClientConfig defaults. */
export const ADMIN_DEFAULTS = {
  'client.id': '',
  'request.timeout.ms': 30000,
  'default.api.timeout.ms': 60000,
  'retry.backoff.ms': 100,
  'retry.backoff.max.ms': 1000,
  'reconnect.backoff.ms': 50,
  'reconnect.backoff.max.ms': 1000,
  'socket.connection.setup.timeout.ms': 10000,
} as const;

const KNOWN = new Set<string>(['bootstrap.servers', ...Object.keys(ADMIN_DEFAULTS)]);
const INT32_MAX = 2147483647;

function int(config: AdminConfig, name: Exclude<keyof typeof ADMIN_DEFAULTS, 'client.id'>, min: number): number {
  const v = (config[name] ?? ADMIN_DEFAULTS[name]) as unknown;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > INT32_MAX) throw configError(`${name} must be an integer in ${min}..${INT32_MAX}, got ${JSON.stringify(v)}`);
  return v;
}

export function parseAdminConfig(config: AdminConfig): AdminSettings {
  for (const k of Object.keys(config)) if (!KNOWN.has(k)) throw configError(`unknown admin setting ${JSON.stringify(k)}`);
  if (config['bootstrap.servers'] === undefined) throw configError('bootstrap.servers is required');
  const clientId = config['client.id'] ?? ADMIN_DEFAULTS['client.id'];
  if (typeof clientId !== 'string') throw configError('client.id must be a string');
  const requestTimeoutMs = int(config, 'request.timeout.ms', 0);
  const defaultApiTimeoutMs = int(config, 'default.api.timeout.ms', 0);
  // Kafka: a call must be allowed at least one full request.
  if (defaultApiTimeoutMs < requestTimeoutMs) {
    if (config['default.api.timeout.ms'] !== undefined) throw configError(`default.api.timeout.ms (${defaultApiTimeoutMs}) must be at least request.timeout.ms (${requestTimeoutMs})`);
  }
  return {
    bootstrap: parseBootstrap(config['bootstrap.servers']),
    clientId,
    requestTimeoutMs,
    defaultApiTimeoutMs: Math.max(defaultApiTimeoutMs, requestTimeoutMs),
    retryBackoffMs: int(config, 'retry.backoff.ms', 0),
    retryBackoffMaxMs: int(config, 'retry.backoff.max.ms', 0),
    reconnectBackoffMs: int(config, 'reconnect.backoff.ms', 0),
    reconnectBackoffMaxMs: int(config, 'reconnect.backoff.max.ms', 0),
    connectTimeoutMs: int(config, 'socket.connection.setup.timeout.ms', 0),
  };
}
