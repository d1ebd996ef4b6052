/**
 * Controlled shutdown, the broker's side (controlled.shutdown.enable): before it stops, a
 * broker puts /brokers/shutting_down/<id>, bound to its session lease, and waits until its
 * metadata view shows it leading no partition that another broker could lead. The active
 * controller sees the key and, for each partition the broker leads, elects the first replica
 * in AR alive, in the ISR and not shutting down, and drops the broker from every ISR
 * (operation-rules.ts moveOffShuttingDown). Producers then get NOT_LEADER_OR_FOLLOWER once
 * and move to the new leader, instead of meeting a closed socket and a session timeout.
 *
 * Why a key in the metadata store rather than Kafka's ControlledShutdown request (API 7)
 * to the controller: every other controller input (registrations, topic records, ISR
 * changes) already reaches it through the store, so there is no routing to the controller,
 * no NOT_CONTROLLER retry while the controllership moves, and a new controller sees the
 * request at once because it is state, not a message. The lease binding means a broker that
 * dies mid-shutdown leaves no stale request behind.
 *
 * The wait is bounded as Kafka's: controlled.shutdown.max.retries attempts, each waiting up
 * to controlled.shutdown.retry.backoff.ms, after which the broker stops anyway (its
 * partitions then move when its session ends). A partition no other broker can lead (RF=1,
 * or the ISR is the broker alone) does not hold the shutdown at all.
 */
import { Keys, type ShutdownRecord } from '../metadata/keys.js';
import type { ClusterMetadata } from '../metadata/cluster-metadata.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Logger } from '../platform/logger.js';
import type { BrokerSession } from './broker-session.js';
import { hasMovableLeadership } from './operation-rules.js';

export interface ControlledShutdownSettings {
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
}

export interface ControlledShutdownResult {
  readonly succeeded: boolean;
  readonly attempts: number;
  /** Partitions still led here that another broker could have led ("topic-partition"). */
  readonly remaining: string[];
  readonly elapsedMs: number;
}

/** Partitions `nodeId` leads that another live, in-sync broker not shutting down could lead. */
export function movableLeaderships(nodeId: number, metadata: ClusterMetadata): string[] {
  const live = new Set(metadata.brokers.keys());
  const out: string[] = [];
  for (const name of metadata.topicNames()) {
    for (const p of metadata.topic(name)?.partitions ?? []) {
      if (hasMovableLeadership(nodeId, p.replicas, p.state, live, metadata.shuttingDown)) out.push(`${name}-${p.index}`);
    }
  }
  return out;
}

export async function controlledShutdown(
  nodeId: number,
  store: MetadataStore,
  metadata: ClusterMetadata,
  session: BrokerSession,
  settings: ControlledShutdownSettings,
  log: Logger,
): Promise<ControlledShutdownResult> {
  const started = Date.now();
  let remaining = movableLeaderships(nodeId, metadata);
  let attempts = 0;
  for (; attempts <= settings.maxRetries && remaining.length > 0; attempts++) {
    const lease = session.lease;
    if (!lease) break; // no session: the cluster already treats this broker as gone
    try {
      const record: ShutdownRecord = { nodeId, incarnationId: metadata.brokers.get(nodeId)?.incarnationId };
      // Bounded: a store out of reach must not hold the shutdown past its bound.
      const revision = await withTimeout(store.put(Keys.shuttingDown(nodeId), JSON.stringify(record), lease), settings.retryBackoffMs);
      await metadata.awaitRevision(revision, settings.retryBackoffMs);
    } catch (e) {
      log.warn({ err: e, attempt: attempts }, 'controlled shutdown: could not ask for the leaderships to move');
    }
    remaining = await waitUntil(metadata, () => movableLeaderships(nodeId, metadata), settings.retryBackoffMs);
  }
  const result = { succeeded: remaining.length === 0, attempts, remaining, elapsedMs: Date.now() - started };
  if (result.succeeded) log.info({ nodeId, attempts, elapsedMs: result.elapsedMs }, 'controlled shutdown: leaderships moved');
  else log.warn({ nodeId, attempts, remaining, elapsedMs: result.elapsedMs }, 'controlled shutdown did not move every leadership; stopping anyway');
  return result;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from the metadata store within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Re-checks on every metadata change until `check` returns nothing or `timeoutMs` passes. */
function waitUntil(metadata: ClusterMetadata, check: () => string[], timeoutMs: number): Promise<string[]> {
  return new Promise((resolve) => {
    let last = check();
    if (last.length === 0) return resolve(last);
    const finish = (): void => {
      clearTimeout(timer);
      unsubscribe();
      resolve(last);
    };
    const timer = setTimeout(finish, timeoutMs);
    const unsubscribe = metadata.onChange(() => {
      last = check();
      if (last.length === 0) finish();
    });
  });
}
