/**
 * A broker: wires the metadata store, the cluster metadata view, the replica manager, the
 * controller and the network listener, and registers itself in the cluster. `Broker.start`
 * resolves once the broker serves requests; `stop` shuts it down cleanly (logs closed with
 * their clean-shutdown markers, session ended at once), `kill` drops everything at once as
 * a crash would (no markers; the session lease is left to expire by TTL).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { ErrorCode } from '@samsa/protocol';
import type { BrokerServices } from './broker-services.js';
import type { BrokerConfig } from './config/broker-config.js';
import { AdminError, TopicAdmin } from './controller/topic-admin.js';
import { GroupCoordinator, OFFSETS_TOPIC } from './coordinator/group/group-coordinator.js';
import { ProducerIdManager } from './coordinator/producer-id-manager.js';
import { systemTimers, type Timers } from './platform/timers.js';
import { BrokerSession } from './controller/broker-session.js';
import { Controller } from './controller/controller.js';
import { LivenessProbes } from './controller/liveness-probe.js';
import { controlledShutdown, type ControlledShutdownResult } from './controller/controlled-shutdown.js';
import { ControllerOperations } from './controller/operations.js';
import { allHandlers } from './handlers/index.js';
import { ClusterMetadata } from './metadata/cluster-metadata.js';
import { openMetadataStore } from './metadata/open-store.js';
import { Keys, type BrokerRegistration } from './metadata/keys.js';
import type { MetadataStore } from './metadata/store.js';
import { systemClock, type Clock } from './platform/clock.js';
import { silentLogger, type Logger } from './platform/logger.js';
import { LogCleaner } from './log/cleaner/log-cleaner.js';
import { ReadBufferPool } from './log/read-buffer-pool.js';
import { PeerNetwork } from './replication/peer-network.js';
import { ReplicaManager } from './replication/replica-manager.js';
import { makeDispatcher } from './server/dispatch.js';
import { Listener } from './server/listener.js';
import { FaultHooks } from './server/fault-hooks.js';

export interface BrokerOptions {
  config: BrokerConfig;
  clock?: Clock;
  logger?: Logger;
  /** Shared store (a cluster); by default the one metadata.store.connect names. */
  store?: MetadataStore;
  /** Timers for the coordinators (the in-process cluster freezes them to pause a broker). */
  timers?: Timers;
}

/**
 * Fetch read buffers kept for reuse: about four consumers' worth of 8 MiB partition reads in
 * flight; dropped after 30 s without fetches so an idle broker returns to its idle size.
 */
const READ_BUFFERS = { maxRetainedBytes: 64 * 1024 * 1024, idleTrimMs: 30_000 };

/** How long a graceful stop waits for in-flight requests. */
const STOP_TIMEOUT_MS = 5_000;
const AUTO_CREATE_WAIT_MS = 5_000;
/** How long registration waits for the broker's own metadata view to show it. */
const REGISTER_VIEW_MS = 10_000;

export class Broker {
  private constructor(
    readonly config: BrokerConfig,
    readonly services: BrokerServices,
    private readonly store: MetadataStore,
    private readonly ownsStore: boolean,
    private readonly listener: Listener,
    /** Null when log.cleaner.enable=false. */
    readonly logCleaner: LogCleaner | null,
    private readonly session: BrokerSession,
    readonly controller: Controller,
    /** Proves dead brokers dead faster than their session lease (controller/liveness-probe.ts). */
    readonly livenessProbes: LivenessProbes,
  ) {}

  get port(): number {
    return this.listener.port;
  }

  get nodeId(): number {
    return this.config.nodeId;
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const { config } = options;
    const clock = options.clock ?? systemClock;
    const log = options.logger ?? silentLogger;
    await mkdir(config.logDir, { recursive: true });
    const store = options.store ?? (await openMetadataStore(config));
    let metadata: ClusterMetadata;
    try {
      await ensureClusterId(store, config.clusterId);
      metadata = new ClusterMetadata(store);
      await metadata.start();
    } catch (e) {
      if (!options.store) await store.close();
      throw e;
    }
    const peerNetwork = new PeerNetwork();
    const replicaManager = new ReplicaManager(config.nodeId, config, metadata, clock, log, store, peerNetwork);
    const topicAdmin = new TopicAdmin(store, metadata, { numPartitions: config.numPartitions, replicationFactor: config.defaultReplicationFactor });
    const alone = !options.store && config.metadataStore.kind === 'embedded';
    const groupCoordinator = new GroupCoordinator(config.nodeId, config, metadata, replicaManager, topicAdmin, clock, options.timers ?? systemTimers, log.child({ component: 'group-coordinator' }), alone);
    // Listening before the replica manager starts, so it hears of every offsets partition it leads.
    groupCoordinator.start();
    const controllerOps = new ControllerOperations(store, metadata, log.child({ component: 'controller' }));
    const handlers = allHandlers();
    const services: BrokerServices = {
      nodeId: config.nodeId,
      config,
      clock,
      log,
      metadata,
      topicAdmin,
      controllerOps,
      replicaManager,
      groupCoordinator,
      producerIds: new ProducerIdManager(store),
      handlers,
      readBuffers: new ReadBufferPool(READ_BUFFERS),
      peerNetwork,
      faults: new FaultHooks(),
      autoCreateTopic: async (name) => {
        // As Kafka: an internal topic named in Metadata is created with its own settings
        // (partitions, compaction), whatever auto.create.topics.enable says.
        if (name === OFFSETS_TOPIC) return groupCoordinator.ensureOffsetsTopic();
        if (!config.autoCreateTopicsEnable) return false;
        try {
          await topicAdmin.create({ name, numPartitions: -1, replicationFactor: -1 });
          log.info({ topic: name }, 'auto-created topic');
        } catch (e) {
          if (!(e instanceof AdminError)) throw e;
          if (e.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) return false;
        }
        return replicaManager.awaitLocalPartitions(name, AUTO_CREATE_WAIT_MS);
      },
    };
    await replicaManager.start();
    const logCleaner = config.logCleanerEnable ? startLogCleaner(config, replicaManager, clock, log) : null;
    const first = config.listeners[0]!;
    const listener = new Listener(
      {
        host: first.host,
        port: first.port,
        maxConnections: config.maxConnections,
        maxRequestBytes: config.socketRequestMaxBytes,
        maxQueuedBytes: config.queuedMaxRequestBytes,
        idleMs: config.connectionsMaxIdleMs,
      },
      makeDispatcher(handlers, services),
      log,
    );
    const port = await listener.start();
    // Registered only once it serves: the controller may make it a leader at once.
    const adv = config.advertisedListeners[0]!;
    const registration: BrokerRegistration = {
      nodeId: config.nodeId,
      host: adv.host || '127.0.0.1',
      port: adv.port === 0 ? port : adv.port,
      rack: config.rack,
      incarnationId: randomBytes(12).toString('base64url'),
    };
    const session = new BrokerSession(store, registration, config.brokerSessionTimeoutMs, log.child({ component: 'session' }));
    const controller = new Controller(config.nodeId, store, metadata, session, config, log.child({ component: 'controller' }));
    const registered = await session.start();
    // Serving starts now: this broker's view must list itself first (an etcd watch lags the write).
    await metadata.awaitRevision(registered, REGISTER_VIEW_MS);
    await controller.start();
    controllerOps.attach(controller, {
      enable: config.values.get('auto.leader.rebalance.enable') === 'true',
      percentage: Number(config.values.get('leader.imbalance.per.broker.percentage')),
      intervalMs: Number(config.values.get('leader.imbalance.check.interval.seconds')) * 1000,
    });
    const livenessProbes = new LivenessProbes(config.nodeId, metadata, store, peerNetwork, { intervalMs: config.brokerHeartbeatIntervalMs, timeoutMs: config.brokerSessionTimeoutMs }, log.child({ component: 'liveness' }));
    livenessProbes.start();
    const broker = new Broker(config, services, store, !options.store, listener, logCleaner, session, controller, livenessProbes);
    log.info({ nodeId: config.nodeId, address: `${first.host}:${port}`, logDir: config.logDir, controller: controller.isActive }, 'broker started');
    return broker;
  }

  /** Stops reading and answering every connection, which stay open (a paused process). */
  pauseNetwork(): void {
    this.listener.pause();
    this.services.peerNetwork.cut();
  }

  resumeNetwork(): void {
    this.services.peerNetwork.restore();
    this.listener.resume();
  }

  /**
   * Cut off from the other brokers only (clients still reach it): its fetchers stop and it
   * stops serving follower fetches, as across a network partition.
   */
  isolatePeers(): void {
    this.services.peerNetwork.cut();
  }

  healPeers(): void {
    this.services.peerNetwork.restore();
  }

  /**
   * Dies as a crashed process would: connections reset, logs dropped without their
   * clean-shutdown markers, the session lease left to expire by TTL (a store in another
   * process only learns of the death that way). Timers and watches stop, since in one
   * process nothing else would stop them.
   */
  async kill(): Promise<void> {
    this.livenessProbes.stop();
    this.listener.destroyAll();
    this.services.controllerOps.stop();
    this.session.abandon();
    await this.controller.stop();
    this.services.groupCoordinator.stop();
    await this.logCleaner?.stop();
    await this.services.replicaManager.abandon();
    this.services.readBuffers.clear();
    this.services.metadata.stop();
    this.services.log.info({ nodeId: this.config.nodeId }, 'broker killed');
  }

  /**
   * Stops cleanly. With controlled.shutdown.enable (default true, as Kafka) the broker first
   * has its leaderships moved to other in-sync replicas (controller/controlled-shutdown.ts),
   * bounded by controlled.shutdown.max.retries x controlled.shutdown.retry.backoff.ms;
   * `controlled: false` skips that (test teardown, where every broker stops at once).
   */
  async stop(options: { controlled?: boolean } = {}): Promise<void> {
    // Leaderships move while this broker still serves and probes (its session must stay up
    // for that); only then does the listener close.
    if (options.controlled ?? this.config.values.get('controlled.shutdown.enable') === 'true') await this.controlledShutdown();
    this.services.controllerOps.stop();
    // The listener closes next, so the other brokers' probes may end this session before
    // session.stop() does; it must not be opened again meanwhile.
    this.session.beginStop();
    this.livenessProbes.stop();
    this.services.replicaManager.stopIsrChecks();
    await this.listener.stop(STOP_TIMEOUT_MS);
    await this.logCleaner?.stop();
    await this.services.replicaManager.stop();
    this.services.groupCoordinator.stop();
    this.services.readBuffers.clear();
    await this.controller.stop();
    await this.session.stop();
    this.services.metadata.stop();
    if (this.ownsStore) await this.store.close();
    this.services.log.info({ nodeId: this.config.nodeId }, 'broker stopped');
  }

  /** Moves this broker's leaderships away while it still serves (the first step of stop). */
  controlledShutdown(): Promise<ControlledShutdownResult> {
    return controlledShutdown(this.config.nodeId, this.store, this.services.metadata, this.session, {
      maxRetries: Number(this.config.values.get('controlled.shutdown.max.retries')),
      retryBackoffMs: Number(this.config.values.get('controlled.shutdown.retry.backoff.ms')),
    }, this.services.log.child({ component: 'controlled-shutdown' }));
  }
}

/** The log cleaner over every log this broker holds; started after the logs are open. */
function startLogCleaner(config: BrokerConfig, replicaManager: ReplicaManager, clock: Clock, log: Logger): LogCleaner {
  const cleaner = new LogCleaner({
    logDir: config.logDir,
    backoffMs: config.logCleanerBackoffMs,
    dedupeBufferBytes: config.logCleanerDedupeBufferSize,
    ioMaxBytesPerSecond: config.logCleanerIoMaxBytesPerSecond,
    clock,
    logger: log.child({ component: 'log-cleaner' }),
    targets: () =>
      replicaManager.allPartitions().map((p) => ({
        log: p.log,
        highWatermark: () => p.highWatermark,
        producerLastOffsets: () => {
          const last = new Map<bigint, number>();
          for (const [producerId, entry] of p.producerState.producers) {
            const batch = entry.batches[entry.batches.length - 1];
            if (batch) last.set(producerId, batch.lastOffset);
          }
          return last;
        },
      })),
  });
  replicaManager.beforeLogDelete = (partitionLog) => cleaner.abort(partitionLog);
  void cleaner.start();
  return cleaner;
}

async function ensureClusterId(store: MetadataStore, configured: string | null): Promise<void> {
  const existing = await store.get(Keys.clusterId);
  if (existing) return;
  const id = configured ?? randomBytes(16).toString('base64url');
  await store.txn([{ key: Keys.clusterId, modRevision: 0 }], [{ type: 'put', key: Keys.clusterId, value: JSON.stringify(id) }]);
}
