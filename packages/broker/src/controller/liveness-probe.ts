/**
 * A failure detector faster than the session lease, for the one failure it can prove: a
 * broker process that is gone. The lease (broker.session.timeout.ms, 9 s by default, and
 * whole seconds on etcd) stays the detector of everything else.
 *
 * The proof: we hold a TCP connection to the broker's advertised listener and it has
 * answered ApiVersions on it; then the connection closes (EOF or reset) and a new connection
 * to the same address is refused. When a process dies its kernel closes its sockets at once
 * and nothing listens on its port any more, so a refused connect means no process serves
 * that address: the session is ended (its lease revoked by id), and the controller's normal
 * "broker vanished" path elects new leaders. Nothing else counts: a timeout, a silent
 * connection, a connect that hangs are what a paused process (SIGSTOP, a GC pause) or a cut
 * network look like, and those are left to the lease, because such a broker may come back.
 *
 * Why a false "dead" is safe anyway: it only ends a session. Leader epochs fence the old
 * leader and the ISR rules keep every acknowledged record (INTERNALS "Cluster"); the broker
 * registers again under a new lease, as after a lease expiry. Revoking is done by lease id,
 * so a probe of an old incarnation can never end its successor's session.
 *
 * A broker we never got an answer from (an advertised address that does not reach it, say)
 * is never declared dead by a probe, so a wrong address costs speed, not a flapping broker.
 *
 * Who probes whom: the active controller probes every other registered broker; every other
 * broker probes the controller, whose /controller key is bound to its lease and would
 * otherwise hold up the next election for the whole TTL. O(brokers) connections.
 */
import { ApiKey } from '@samsa/protocol';
import type { ClusterMetadata } from '../metadata/cluster-metadata.js';
import type { BrokerRegistration } from '../metadata/keys.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Logger } from '../platform/logger.js';
import { PeerConnection } from '../replication/peer-connection.js';
import type { PeerNetwork } from '../replication/peer-network.js';

export interface LivenessProbeOptions {
  /** broker.heartbeat.interval.ms: how often a probed broker is asked for ApiVersions. */
  readonly intervalMs: number;
  /** How long a connect or an ApiVersions may take before the connection is dropped (no proof of anything). */
  readonly timeoutMs: number;
}

type Target = Required<Pick<BrokerRegistration, 'nodeId' | 'host' | 'port' | 'leaseId'>>;

/** Why a probe ended a session, for logs and tests. */
export interface ProvedDead {
  readonly nodeId: number;
  readonly leaseId: string;
  readonly reason: string;
}

/** Probes one registration (one broker incarnation at one address) until stopped or proved dead. */
class BrokerProbe {
  private stopped = false;
  private conn: PeerConnection | null = null;
  private wake: (() => void) | null = null;

  constructor(
    readonly target: Target,
    private readonly clientId: string,
    private readonly options: LivenessProbeOptions,
    private readonly peers: PeerNetwork,
    private readonly onDead: (reason: string) => void,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.conn?.close('probe stopped');
    this.wake?.();
  }

  private async run(): Promise<void> {
    const { host, port } = this.target;
    // Set once this incarnation answered at this address: only then is a refusal a proof.
    let answered = false;
    while (!this.stopped) {
      // A process cut off from its peers (the in-process cluster's pause/isolate) probes nobody.
      await this.peers.whenUp();
      if (this.stopped) return;
      let conn: PeerConnection;
      try {
        conn = await PeerConnection.open(host, port, this.clientId, this.options.timeoutMs);
      } catch (e) {
        if (this.stopped) return;
        if (answered && (e as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
          this.onDead(`connection to ${host}:${port} closed and a new one was refused`);
          return;
        }
        await this.sleep(this.options.intervalMs);
        continue;
      }
      if (this.stopped) return void conn.close('probe stopped');
      this.conn = conn;
      let answeredHere = false;
      while (!this.stopped && !conn.isClosed) {
        try {
          await conn.request(ApiKey.ApiVersions, 0, {});
          answered = answeredHere = true;
        } catch {
          break;
        }
        await this.sleep(this.options.intervalMs, conn);
      }
      conn.close('probe reconnecting');
      this.conn = null;
      // Reconnect at once after a connection that worked (the close may be the death we
      // are here to see); after one that never answered, wait, so nothing spins.
      if (!answeredHere) await this.sleep(this.options.intervalMs);
    }
  }

  /** Waits `ms`, or less if the connection closes or the probe stops. */
  private sleep(ms: number, conn?: PeerConnection): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
      void conn?.closed.then(done);
    });
  }
}

/** The probes one broker runs, following the registrations and the controller in its metadata view. */
export class LivenessProbes {
  private readonly probes = new Map<string, BrokerProbe>();
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  /** Every session a probe of this broker ended (newest last, bounded), for tests and diagnosis. */
  readonly provedDead: ProvedDead[] = [];

  constructor(
    private readonly nodeId: number,
    private readonly metadata: ClusterMetadata,
    private readonly store: MetadataStore,
    private readonly peers: PeerNetwork,
    private readonly options: LivenessProbeOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.unsubscribe = this.metadata.onChange((changed) => {
      if (changed.has('*brokers') || changed.has('*controller')) this.refresh();
    });
    this.refresh();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const p of this.probes.values()) p.stop();
    this.probes.clear();
  }

  /** The registrations this broker should probe now, by `nodeId/leaseId`. */
  private targets(): Map<string, Target> {
    const out = new Map<string, Target>();
    const controllerId = this.metadata.controller?.brokerId ?? -1;
    if (controllerId < 0) return out;
    for (const [id, b] of this.metadata.brokers) {
      if (id === this.nodeId || b.leaseId === undefined) continue;
      if (controllerId === this.nodeId || id === controllerId) out.set(`${id}/${b.leaseId}`, { nodeId: id, host: b.host, port: b.port, leaseId: b.leaseId });
    }
    return out;
  }

  private refresh(): void {
    if (this.stopped) return;
    const wanted = this.targets();
    for (const [key, probe] of this.probes) {
      if (!wanted.has(key)) {
        probe.stop();
        this.probes.delete(key);
      }
    }
    for (const [key, target] of wanted) {
      if (this.probes.has(key)) continue;
      const probe = new BrokerProbe(target, `samsa-liveness-${this.nodeId}`, this.options, this.peers, (reason) => void this.endSession(key, target, reason));
      this.probes.set(key, probe);
      probe.start();
    }
  }

  private async endSession(key: string, target: Target, reason: string): Promise<void> {
    this.probes.delete(key);
    if (this.stopped) return;
    this.log.warn({ nodeId: target.nodeId, leaseId: target.leaseId, reason }, 'broker is gone: ending its session');
    this.provedDead.push({ nodeId: target.nodeId, leaseId: target.leaseId, reason });
    if (this.provedDead.length > 100) this.provedDead.shift();
    try {
      await this.store.revokeLease(target.leaseId);
    } catch (e) {
      // The lease still expires by its TTL: the slow path, not a wrong one.
      this.log.warn({ err: e, nodeId: target.nodeId }, 'could not end the session of a dead broker; it expires by its TTL');
    }
  }
}
