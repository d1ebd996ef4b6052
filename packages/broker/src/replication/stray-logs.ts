/**
 * Partition directories this broker should no longer hold, and how they go (Kafka's
 * LogManager: stray logs, `-delete` directories, `partition.metadata`).
 *
 * A directory is stray when the metadata says this broker is not a replica of it: its topic
 * was deleted, or deleted and created again under the same name (another topic id), or a
 * reassignment moved the replica away, while the broker was down to hear of it. The startup
 * scan (`findStrayLogs`, after the metadata view has loaded the whole store) finds them; a
 * running broker removes what the metadata takes away as it hears of it (replica-manager.ts).
 * A directory whose `partition.metadata` cannot be read is never stray: without its topic
 * id we cannot tell an old topic's data from the current one's.
 *
 * Deleting is two steps, as in Kafka: the directory is renamed to
 * `<topic>-<partition>.<uuid>-delete` (and the rename made durable), then removed in the
 * background. A crash mid-way leaves a `-delete` directory, which no partition name matches
 * and the next start finishes removing; never half a partition that looks live, and a topic
 * recreated by the same name gets a fresh directory at once.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterMetadata } from '../metadata/cluster-metadata.js';
import { fsyncDirectory } from '../platform/checksummed-file.js';
import type { Logger } from '../platform/logger.js';

/** The topic id of the topic whose data a partition directory holds (Kafka's file name). */
export const TOPIC_ID_FILE = 'partition.metadata';
const DELETE_SUFFIX = '-delete';
/** `<topic>-<partition>`: topic names are [a-zA-Z0-9._-], so the partition is after the last '-'. */
const PARTITION_DIR = /^([a-zA-Z0-9._-]+)-(\d+)$/;

export function parsePartitionDir(name: string): { topic: string; partition: number } | null {
  if (name.endsWith(DELETE_SUFFIX)) return null;
  const m = PARTITION_DIR.exec(name);
  if (!m) return null;
  const partition = Number(m[2]);
  return Number.isSafeInteger(partition) ? { topic: m[1]!, partition } : null;
}

/** The topic id recorded in a partition directory; null when missing or unreadable. */
export async function readTopicId(dir: string): Promise<string | null> {
  const text = await readFile(join(dir, TOPIC_ID_FILE), 'utf8').catch(() => null);
  const id = text?.trim() ?? '';
  return id === '' ? null : id;
}

export async function writeTopicId(dir: string, topicId: string): Promise<void> {
  await writeFile(join(dir, TOPIC_ID_FILE), topicId + '\n');
}

/** Removes renamed directories in the background; `settled` waits for those under way. */
export class LogDeleter {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** Renames `<logDir>/<name>` to its `-delete` name durably, then removes it in the background. */
  async delete(logDir: string, name: string, reason: string): Promise<void> {
    const renamed = `${name}.${randomUUID().replace(/-/g, '')}${DELETE_SUFFIX}`;
    await rename(join(logDir, name), join(logDir, renamed));
    await fsyncDirectory(logDir);
    this.logger.info({ dir: name, renamed, reason }, 'deleting partition directory');
    this.removeLater(join(logDir, renamed));
  }

  /** Finishes the removals a crash interrupted: every `-delete` directory in `logDir`. */
  async resumeLeftovers(logDir: string): Promise<void> {
    for (const e of await readdir(logDir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name.endsWith(DELETE_SUFFIX)) {
        this.logger.info({ dir: e.name }, 'finishing an interrupted partition directory deletion');
        this.removeLater(join(logDir, e.name));
      }
    }
  }

  private removeLater(path: string): void {
    const run = rm(path, { recursive: true, force: true }).catch((e: unknown) => this.logger.error({ err: e, dir: path }, 'removing a deleted partition directory failed; the next start retries'));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}

export interface StrayLog {
  name: string;
  reason: string;
}

/** A partition directory the metadata places here, by its name and the topic id it holds. */
export interface KeptLog {
  name: string;
  topic: string;
  partition: number;
  topicId: string;
}

/**
 * Partition directories in `logDir` that the metadata does not place on `nodeId`, and those
 * it does. Call it only with a view that has loaded the store (ClusterMetadata.start resolved).
 */
export async function findStrayLogs(logDir: string, metadata: ClusterMetadata, nodeId: number, logger: Logger): Promise<{ stray: StrayLog[]; kept: KeptLog[] }> {
  const stray: StrayLog[] = [];
  const kept: KeptLog[] = [];
  for (const e of await readdir(logDir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const parsed = parsePartitionDir(e.name);
    if (!parsed) continue;
    const topicId = await readTopicId(join(logDir, e.name));
    if (topicId === null) {
      logger.warn({ dir: e.name }, `keeping a partition directory without a readable ${TOPIC_ID_FILE}: it cannot be told stray`);
      continue;
    }
    const byId = metadata.topicById(topicId);
    const current = metadata.topic(parsed.topic);
    let reason: string | null = null;
    if (!byId && current) reason = `topic ${parsed.topic} was deleted and created again (topic id ${current.topicId}, the directory holds ${topicId})`;
    else if (!byId) reason = `topic ${parsed.topic} (topic id ${topicId}) was deleted`;
    else if (byId.name !== parsed.topic) reason = `topic id ${topicId} names topic ${byId.name}, not ${parsed.topic}`;
    else if (!byId.partitions[parsed.partition]?.replicas.includes(nodeId)) reason = `broker ${nodeId} is not a replica of ${e.name}`;
    if (reason !== null) stray.push({ name: e.name, reason });
    else kept.push({ name: e.name, ...parsed, topicId });
  }
  return { stray, kept };
}
