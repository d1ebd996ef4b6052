/**
 * Drives kcat (librdkafka) as a subprocess: produce lines, consume as JSON (-J), query
 * offsets (-Q), list metadata (-L). kcat has no admin API: topics come from broker
 * auto-create on the first produce.
 */
import { ChildRun, runCommand } from './child-process.js';

export const KCAT = 'kcat';
const DEFAULT_TIMEOUT_MS = 30_000;

/** One consumed message as `kcat -J` prints it. */
export interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  /** Flat list: name, value, name, value, ... Absent when the record has no headers. */
  headers?: string[];
  key: string | null;
  payload: string | null;
}

export interface KcatProduceOptions {
  topic: string;
  partition: number;
  /** Records, one per line. With `keyed`, "key:value"; an empty key or value is sent as null (-Z). */
  lines: readonly string[];
  keyed: boolean;
  /** Added to every record of this run (kcat cannot vary headers per record). */
  headers?: ReadonlyArray<readonly [string, string]>;
  codec?: string;
  acks?: number;
  /** More librdkafka settings (-X name=value). */
  settings?: Record<string, string | number>;
}

export async function kcatProduce(bootstrap: string, o: KcatProduceOptions): Promise<void> {
  const args = ['-P', '-b', bootstrap, '-t', o.topic, '-p', String(o.partition), '-Z'];
  if (o.keyed) args.push('-K', ':');
  for (const [k, v] of o.headers ?? []) args.push('-H', `${k}=${v}`);
  if (o.codec) args.push('-X', `compression.codec=${o.codec}`);
  if (o.acks !== undefined) args.push('-X', `acks=${o.acks}`);
  for (const [k, v] of Object.entries({ 'linger.ms': 20, 'message.timeout.ms': 15_000, ...o.settings })) args.push('-X', `${k}=${v}`);
  for (const l of o.lines) if (l.includes('\n')) throw new Error(`kcat reads one record per line; ${JSON.stringify(l.slice(0, 40))} has a newline`);
  const stderr = await new ChildRun(KCAT, args, { input: o.lines.join('\n') + '\n', timeoutMs: DEFAULT_TIMEOUT_MS, what: `kcat produce to ${o.topic}` })
    .finished.then((r) => {
      if (r.code !== 0) throw new Error(`kcat produce to ${o.topic} exited with ${r.code ?? r.signal}: ${r.stderr.slice(-2000)}`);
      return r.stderr;
    });
  // kcat exits 1 when a delivery fails; the message check is a second line of defence.
  if (/Delivery failed/.test(stderr)) throw new Error(`kcat produce to ${o.topic}: ${stderr.slice(-2000)}`);
}

export interface KcatConsumeOptions {
  topic: string;
  partition: number;
  /** kcat's -o: beginning, end, an offset, or s@<timestamp ms>. */
  offset: string;
  /** Stop after this many messages (-c). */
  count?: number;
  /** Exit at the end of the partition (-e). */
  exitAtEnd: boolean;
  timeoutMs?: number;
}

function consumeArgs(bootstrap: string, o: KcatConsumeOptions): string[] {
  const args = ['-C', '-b', bootstrap, '-t', o.topic, '-p', String(o.partition), '-o', o.offset, '-J'];
  if (o.count !== undefined) args.push('-c', String(o.count));
  if (o.exitAtEnd) args.push('-e');
  return args;
}

export function parseKcatMessages(stdout: string): KcatMessage[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as KcatMessage);
}

export async function kcatConsume(bootstrap: string, o: KcatConsumeOptions): Promise<KcatMessage[]> {
  const stdout = await runCommand(KCAT, consumeArgs(bootstrap, o), {
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    what: `kcat consume ${o.topic}-${o.partition} from ${o.offset}`,
  });
  return parseKcatMessages(stdout);
}

/** Starts a consumer and returns it running; kcat prints "Reached end of topic" on stderr once positioned at the end. */
export function startKcatConsumer(bootstrap: string, o: KcatConsumeOptions): ChildRun {
  return new ChildRun(KCAT, consumeArgs(bootstrap, o), {
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    what: `kcat consume ${o.topic}-${o.partition} from ${o.offset}`,
  });
}

/** ListOffsets through kcat -Q: -1 latest, -2 earliest, else the first offset at or after the timestamp (-1 if none). */
export async function kcatQueryOffset(bootstrap: string, topic: string, partition: number, timestamp: number): Promise<number> {
  const stdout = await runCommand(KCAT, ['-Q', '-b', bootstrap, '-t', `${topic}:${partition}:${timestamp}`, '-J'], {
    timeoutMs: DEFAULT_TIMEOUT_MS,
    what: `kcat -Q ${topic}:${partition}:${timestamp}`,
  });
  const parsed = JSON.parse(stdout.trim()) as Record<string, Record<string, { partition: number; offset: number }>>;
  const entry = parsed[topic]?.[String(partition)];
  if (!entry) throw new Error(`kcat -Q ${topic}:${partition}: no answer in ${stdout}`);
  return entry.offset;
}

export interface KcatMetadata {
  controllerid: number;
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{ topic: string; error?: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }> }>;
}

/** Metadata for all topics (-L without -t, so nothing is auto-created), or for `topic` (which the broker may auto-create). */
export async function kcatMetadata(bootstrap: string, topic?: string): Promise<KcatMetadata> {
  const args = ['-L', '-b', bootstrap, '-J', ...(topic ? ['-t', topic] : [])];
  const stdout = await runCommand(KCAT, args, { timeoutMs: DEFAULT_TIMEOUT_MS, what: 'kcat -L' });
  return JSON.parse(stdout.trim()) as KcatMetadata;
}
