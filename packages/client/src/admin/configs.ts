/**
 * Topic and broker settings: describe, incremental alter (set/delete/append/subtract), and
 * the older whole-set alter. A broker's own resource goes to that broker (only it knows its
 * settings, as in Kafka); topics and the cluster-wide broker default ("") go to any broker.
 */
import { ApiKey, type AlterConfigs, type DescribeConfigs, type IncrementalAlterConfigs } from '@samsa/protocol';
import type { BrokerConnection } from '../connection/connection.js';
import type { KafkaProtocolError } from '../errors.js';
import type { AdminContext, ItemOutcome } from './context.js';
import { giveUpAs, invalid, outcome } from './results.js';

export type ResourceType = 'topic' | 'broker' | 'broker-logger';

/** A topic by name, or a broker by its id as a string ("" for the cluster-wide default). */
export interface ConfigResource {
  type: ResourceType;
  name: string;
}

const RESOURCE_TYPE_IDS: Record<ResourceType, number> = { topic: 2, broker: 4, 'broker-logger': 8 };
const RESOURCE_TYPES = new Map(Object.entries(RESOURCE_TYPE_IDS).map(([k, v]) => [v, k as ResourceType]));

/** Kafka's ConfigEntry.ConfigSource, by its wire id. */
export const CONFIG_SOURCES = ['UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG', 'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'CLIENT_METRICS_CONFIG', 'GROUP_CONFIG'] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];
/** Kafka's ConfigEntry.ConfigType, by its wire id. */
export const CONFIG_TYPES = ['UNKNOWN', 'BOOLEAN', 'STRING', 'INT', 'SHORT', 'LONG', 'DOUBLE', 'LIST', 'CLASS', 'PASSWORD'] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

export interface ConfigEntry {
  name: string;
  /** null for a sensitive setting. */
  value: string | null;
  source: ConfigSource;
  isDefault: boolean;
  readOnly: boolean;
  isSensitive: boolean;
  type: ConfigType;
  synonyms: Array<{ name: string; value: string | null; source: ConfigSource }>;
  documentation: string | null;
}

export interface ConfigResourceResult extends ConfigResource {
  error: KafkaProtocolError | null;
}

export interface DescribeConfigsResult extends ConfigResourceResult {
  configs: ConfigEntry[];
}

export interface DescribeConfigsOptions {
  /** Only these settings (default: all). */
  configNames?: string[];
  includeSynonyms?: boolean;
  includeDocumentation?: boolean;
  timeoutMs?: number;
}

export type AlterConfigOp = { name: string; op: 'set'; value: string } | { name: string; op: 'delete' } | { name: string; op: 'append' | 'subtract'; value: string };

const OP_IDS = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

const keyOf = (r: ConfigResource): string => `${r.type}:${r.name}`;
const source = (id: number): ConfigSource => CONFIG_SOURCES[id] ?? 'UNKNOWN';

function typeId(r: ConfigResource): number {
  const id = RESOURCE_TYPE_IDS[r.type];
  if (id === undefined) throw invalid(`config resource type must be one of ${Object.keys(RESOURCE_TYPE_IDS).join(', ')}, got ${JSON.stringify(r.type)}`);
  if (r.type !== 'topic' && r.name !== '' && !/^\d+$/.test(r.name)) throw invalid(`a broker config resource is named by the broker id, got ${JSON.stringify(r.name)}`);
  return id;
}

/** Where a resource's request goes: its own broker for one broker's settings, else any broker. */
function target(r: ConfigResource): number | null {
  return r.type !== 'topic' && r.name !== '' ? Number(r.name) : null;
}

/**
 * Sends the resources in groups, one request per target broker, and collects per-resource
 * outcomes by "type:name".
 */
async function perTarget<R>(ctx: AdminContext, deadline: number, pending: string[], byKey: Map<string, ConfigResource>, send: (conn: BrokerConnection, resources: ConfigResource[]) => Promise<Array<[string, ItemOutcome<R>]>>): Promise<Map<string, ItemOutcome<R>>> {
  const groups = new Map<number | null, ConfigResource[]>();
  for (const k of pending) {
    const r = byKey.get(k)!;
    const t = target(r);
    groups.set(t, [...(groups.get(t) ?? []), r]);
  }
  const out = new Map<string, ItemOutcome<R>>();
  await Promise.all(
    [...groups].map(async ([node, resources]) => {
      const conn = node === null ? await ctx.any() : await ctx.node(node, deadline);
      for (const [k, o] of await send(conn, resources)) out.set(k, o);
    }),
  );
  return out;
}

function entryOf(c: DescribeConfigs.DescribeConfigsResourceResult, v: number): ConfigEntry {
  // v0 has isDefault instead of a source.
  const src: ConfigSource = v === 0 ? (c.isDefault ? 'DEFAULT_CONFIG' : 'UNKNOWN') : source(c.configSource);
  return {
    name: c.name,
    value: c.value,
    source: src,
    isDefault: v === 0 ? c.isDefault : src === 'DEFAULT_CONFIG',
    readOnly: c.readOnly,
    isSensitive: c.isSensitive,
    type: CONFIG_TYPES[c.configType] ?? 'UNKNOWN',
    synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: source(s.source) })),
    documentation: c.documentation || null,
  };
}

export async function describeConfigs(ctx: AdminContext, resources: readonly ConfigResource[], options: DescribeConfigsOptions = {}): Promise<DescribeConfigsResult[]> {
  for (const r of resources) typeId(r);
  const deadline = ctx.deadline(options.timeoutMs);
  const byKey = new Map(resources.map((r) => [keyOf(r), r]));
  const results = await ctx.retryItems(
    'describeConfigs',
    deadline,
    [...byKey.keys()],
    (pending) =>
      perTarget(ctx, deadline, pending, byKey, async (conn, rs) => {
        const v = conn.version(ApiKey.DescribeConfigs);
        const req: DescribeConfigs.DescribeConfigsRequestInput = {
          resources: rs.map((r) => ({ resourceType: typeId(r), resourceName: r.name, configurationKeys: options.configNames ?? null })),
          ...(v >= 1 ? { includeSynonyms: options.includeSynonyms ?? false } : {}),
          ...(v >= 3 ? { includeDocumentation: options.includeDocumentation ?? false } : {}),
        };
        const res = await ctx.send<DescribeConfigs.DescribeConfigsResponse>(conn, ApiKey.DescribeConfigs, req, deadline);
        return res.results.map((r) => {
          const type = RESOURCE_TYPES.get(r.resourceType) ?? 'topic';
          return [`${type}:${r.resourceName}`, outcome(r.errorCode, r.errorMessage, (error) => ({ type, name: r.resourceName, error, configs: r.configs.map((c) => entryOf(c, v)) }))];
        });
      }),
    giveUpAs((k: string, error) => ({ ...byKey.get(k)!, error, configs: [] })),
  );
  return [...byKey.keys()].map((k) => results.get(k)!);
}

export interface AlterOptions {
  validateOnly?: boolean;
  timeoutMs?: number;
}

/** Changes only the settings named (Kafka 2.3+): set, delete (back to the default), append/subtract list items. */
export async function incrementalAlterConfigs(ctx: AdminContext, changes: ReadonlyArray<ConfigResource & { ops: readonly AlterConfigOp[] }>, options: AlterOptions = {}): Promise<ConfigResourceResult[]> {
  for (const c of changes) {
    typeId(c);
    for (const op of c.ops) {
      if (!(op.op in OP_IDS)) throw invalid(`config operation must be set, delete, append or subtract, got ${JSON.stringify(op.op)}`);
      if (op.op !== 'delete' && typeof op.value !== 'string') throw invalid(`${op.op} ${op.name} needs a string value`);
    }
  }
  const byKey = new Map(changes.map((c) => [keyOf(c), c]));
  return alter(ctx, 'incrementalAlterConfigs', byKey, options, ApiKey.IncrementalAlterConfigs, (rs) => ({
    resources: rs.map((r) => ({
      resourceType: typeId(r),
      resourceName: r.name,
      configs: byKey.get(keyOf(r))!.ops.map((op) => ({ name: op.name, configOperation: OP_IDS[op.op], value: op.op === 'delete' ? null : op.value })),
    })),
    validateOnly: options.validateOnly ?? false,
  }) satisfies IncrementalAlterConfigs.IncrementalAlterConfigsRequestInput);
}

/** Replaces a resource's whole set of dynamic settings: those not given go back to their defaults. */
export async function alterConfigs(ctx: AdminContext, changes: ReadonlyArray<ConfigResource & { configs: Record<string, string> }>, options: AlterOptions = {}): Promise<ConfigResourceResult[]> {
  for (const c of changes) typeId(c);
  const byKey = new Map(changes.map((c) => [keyOf(c), c]));
  return alter(ctx, 'alterConfigs', byKey, options, ApiKey.AlterConfigs, (rs) => ({
    resources: rs.map((r) => ({
      resourceType: typeId(r),
      resourceName: r.name,
      configs: Object.entries(byKey.get(keyOf(r))!.configs).map(([name, value]) => ({ name, value: String(value) })),
    })),
    validateOnly: options.validateOnly ?? false,
  }) satisfies AlterConfigs.AlterConfigsRequestInput);
}

type AlterResponse = { responses: Array<{ errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }> };

async function alter(ctx: AdminContext, what: string, byKey: Map<string, ConfigResource>, options: AlterOptions, apiKey: number, request: (rs: ConfigResource[]) => unknown): Promise<ConfigResourceResult[]> {
  const deadline = ctx.deadline(options.timeoutMs);
  const results = await ctx.retryItems(
    what,
    deadline,
    [...byKey.keys()],
    (pending) =>
      perTarget(ctx, deadline, pending, byKey, async (conn, rs) => {
        const res = await ctx.send<AlterResponse>(conn, apiKey, request(rs), deadline);
        return res.responses.map((r) => {
          const type = RESOURCE_TYPES.get(r.resourceType) ?? 'topic';
          return [`${type}:${r.resourceName}`, outcome(r.errorCode, r.errorMessage, (error): ConfigResourceResult => ({ type, name: r.resourceName, error }))];
        });
      }),
    giveUpAs((k: string, error) => ({ type: byKey.get(k)!.type, name: byKey.get(k)!.name, error })),
  );
  return [...byKey.keys()].map((k) => results.get(k)!);
}
