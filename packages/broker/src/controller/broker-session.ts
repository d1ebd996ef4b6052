/**
 * The broker's session with the metadata store: a lease, and the broker's registration
 * (/brokers/ids/N) bound to it, so the registration vanishes when the broker dies or stops
 * keeping the lease alive. When the lease ends while the broker still runs (it was paused
 * or cut off longer than the TTL, and the cluster has already treated it as dead), the
 * broker registers again under a new lease, as a ZooKeeper-mode Kafka broker does after a
 * session expiry; the controller then sees it come back.
 */
import { Keys, type BrokerRegistration } from '../metadata/keys.js';
import type { Lease, MetadataStore } from '../metadata/store.js';
import type { Logger } from '../platform/logger.js';

const REREGISTER_BACKOFF_MS = 100;

export class BrokerSession {
  lease: Lease | null = null;
  private stopped = false;
  private readonly listeners = new Set<(lease: Lease) => void>();

  constructor(
    private readonly store: MetadataStore,
    private readonly registration: BrokerRegistration,
    /** broker.session.timeout.ms */
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  /** Registers; resolves with the store revision of the registration. */
  start(): Promise<number> {
    return this.open();
  }

  /** Calls back with every new session lease (the controller election needs the current one). */
  onNewSession(listener: (lease: Lease) => void): void {
    this.listeners.add(listener);
  }

  private async open(): Promise<number> {
    const lease = await this.store.grantLease(this.ttlMs);
    const registration: BrokerRegistration = { ...this.registration, leaseId: lease.id };
    const revision = await this.store.put(Keys.broker(this.registration.nodeId), JSON.stringify(registration), lease);
    this.lease = lease;
    void lease.ended.then(() => this.reopen(lease));
    for (const l of [...this.listeners]) l(lease);
    return revision;
  }

  private async reopen(old: Lease): Promise<void> {
    if (this.stopped || this.lease !== old) return;
    this.lease = null;
    this.log.warn({ nodeId: this.registration.nodeId }, 'session lease ended; registering again');
    while (!this.stopped) {
      try {
        await this.open();
        return;
      } catch (e) {
        if (this.stopped) return;
        this.log.warn({ err: e }, 'registering again failed; retrying');
        await new Promise((r) => setTimeout(r, REREGISTER_BACKOFF_MS));
      }
    }
  }

  /**
   * A graceful stop has begun: a session ended from now on (another broker's liveness probe
   * sees the listener close first) is not opened again.
   */
  beginStop(): void {
    this.stopped = true;
  }

  /** Ends the session now: the registration (and /controller, if held) vanish at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.lease?.revoke();
  }

  /** Forgets the session without ending it: the lease expires by TTL, as after a crash. */
  abandon(): void {
    this.stopped = true;
  }
}
